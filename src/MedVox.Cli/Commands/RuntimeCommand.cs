using System.CommandLine;
using MedVox.Learning.Runtime;
using Spectre.Console;

namespace MedVox.Cli.Commands;

/// <summary><c>medvox runtime [--device]</c>: loads the tensor engine and shows which device a command would use.</summary>
internal static class RuntimeCommand
{
    public static Command Create(CliContext context)
    {
        var device = DeviceOption.Create();
        var command = new Command("runtime", "Load the tensor engine (LibTorch) and show the device that --device selects") { device };
        command.SetAction(parse => context.Execute(() =>
        {
            var choice = parse.GetValue(device);
            var resolved = TorchRuntime.Resolve(choice);
            context.Console.MarkupLineInterpolated($"{TorchRuntime.Describe()}");
            context.Console.MarkupLineInterpolated($"--device {choice.ToString().ToLowerInvariant()} -> [green]{resolved.type.ToString().ToLowerInvariant()}[/]");
            return 0;
        }));
        return command;
    }
}

/// <summary>The shared <c>--device auto|cpu|cuda</c> option.</summary>
internal static class DeviceOption
{
    public static Option<ComputeDevice> Create() => new("--device")
    {
        Description = "Where tensors run: auto (CUDA when it initializes, else CPU), cpu or cuda",
        DefaultValueFactory = _ => ComputeDevice.Auto,
        CustomParser = result =>
        {
            string text = result.Tokens.Count > 0 ? result.Tokens[0].Value : "auto";
            try
            {
                return TorchRuntime.Parse(text);
            }
            catch (MedVoxException)
            {
                result.AddError($"unknown device '{text}': use auto, cpu or cuda");
                return ComputeDevice.Auto;
            }
        },
    };
}
