using System.Text;
using Spectre.Console;

namespace MedVox.Cli.Terminal;

/// <summary>
/// A TextWriter onto the console's own output, so System.CommandLine's help and MedVox's one-line errors share the
/// console but are not re-wrapped by Spectre's layout (an error must stay one line whatever the terminal width).
/// </summary>
internal sealed class SpectreWriter(IAnsiConsole console) : TextWriter
{
    public override Encoding Encoding => Encoding.UTF8;

    public override void Write(char value) => console.Profile.Out.Writer.Write(value);

    public override void Write(string? value) => console.Profile.Out.Writer.Write(value);

    public override void WriteLine(string? value) => console.Profile.Out.Writer.WriteLine(value);

    /// <summary>Writes "error: message" on one line, the prefix in red where the console understands colour.</summary>
    public static void WriteError(IAnsiConsole console, string message)
    {
        string prefix = console.Profile.Capabilities.Ansi ? "\u001b[31merror:\u001b[0m" : "error:";
        console.Profile.Out.Writer.WriteLine($"{prefix} {message.ReplaceLineEndings(" ")}");
    }
}
