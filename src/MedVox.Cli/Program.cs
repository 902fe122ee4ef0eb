using MedVox.Learning.Runtime;
using Spectre.Console;

// Restarts this process once with huge pages for LibTorch's tensors where that helps (see HugePages): before anything runs.
HugePages.RestartWithHugePages();
return MedVox.Cli.MedVoxCli.Run(args, AnsiConsole.Console);
