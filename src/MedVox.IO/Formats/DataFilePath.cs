namespace MedVox.IO.Formats;

/// <summary>Resolves a data file named in a header: relative names are relative to the header's folder.</summary>
internal static class DataFilePath
{
    public static string Resolve(string directory, string name, string headerPath, string field)
    {
        if (name.Length == 0 || name.Any(char.IsControl))
        {
            throw new InvalidImageFileException($"'{HeaderValues.Shorten(name)}' is not a file name", headerPath, field, "the header is damaged");
        }

        try
        {
            return Path.IsPathRooted(name) ? name : Path.Combine(directory, name);
        }
        catch (ArgumentException ex)
        {
            throw new InvalidImageFileException($"'{HeaderValues.Shorten(name)}' is not a file name ({ex.Message})", headerPath, field, "the header is damaged");
        }
    }
}
