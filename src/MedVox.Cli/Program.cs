using Spectre.Console;

return MedVox.Cli.MedVoxCli.Run(args, AnsiConsole.Console);
