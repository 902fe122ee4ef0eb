namespace MedVox;

/// <summary>
/// A failure the user can act on: what went wrong, in which file and field, and what to do. Its message is one line,
/// printed as is by the command-line program; the stack is only shown on request.
/// </summary>
public class MedVoxException : Exception
{
    public MedVoxException(string what, string? file = null, string? field = null, string? hint = null, Exception? inner = null)
        : base(Compose(what, file, field, hint), inner)
    {
        What = what;
        FilePath = file;
        Field = field;
        Hint = hint;
    }

    public string What { get; }

    public string? FilePath { get; }

    public string? Field { get; }

    public string? Hint { get; }

    private static string Compose(string what, string? file, string? field, string? hint)
    {
        var text = new System.Text.StringBuilder();
        if (file is not null)
        {
            text.Append(file).Append(": ");
        }

        text.Append(what);
        if (field is not null)
        {
            text.Append(" (field ").Append(field).Append(')');
        }

        if (hint is not null)
        {
            text.Append("; ").Append(hint);
        }

        return text.ToString().ReplaceLineEndings(" ");
    }
}

/// <summary>A file that is not what its format requires: truncated, inconsistent or corrupt.</summary>
public sealed class InvalidImageFileException(string what, string? file = null, string? field = null, string? hint = null, Exception? inner = null)
    : MedVoxException(what, file, field, hint, inner);

/// <summary>A valid file using a feature MedVox does not handle (yet).</summary>
public sealed class UnsupportedFormatException(string what, string? file = null, string? field = null, string? hint = null)
    : MedVoxException(what, file, field, hint);
