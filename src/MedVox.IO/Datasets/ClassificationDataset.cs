using System.Globalization;
using System.Text;

namespace MedVox.IO.Datasets;

/// <summary>One image of a classification dataset and its class.</summary>
/// <param name="Image">Path relative to the dataset folder, as written in labels.csv.</param>
/// <param name="Label">The class index.</param>
public sealed record ClassificationEntry(string Image, int Label);

/// <summary>
/// A classification dataset: a folder of images and <c>labels.csv</c> with a header <c>image,label</c> and one line per
/// image (path relative to the folder, integer class). Optional extra columns are ignored.
/// </summary>
public sealed class ClassificationDataset
{
    public const string LabelsFileName = "labels.csv";

    private ClassificationDataset(string directory, IReadOnlyList<ClassificationEntry> entries)
    {
        Directory = directory;
        Entries = entries;
    }

    public string Directory { get; }

    public IReadOnlyList<ClassificationEntry> Entries { get; }

    /// <summary>True when <paramref name="directory"/> holds a labels.csv.</summary>
    public static bool IsDataset(string directory) => File.Exists(Path.Combine(directory, LabelsFileName));

    public string FullPath(ClassificationEntry entry) => Path.GetFullPath(Path.Combine(Directory, entry.Image));

    /// <summary>Reads labels.csv; a malformed line throws <see cref="MedVoxException"/> naming the line.</summary>
    public static ClassificationDataset Read(string directory)
    {
        ArgumentNullException.ThrowIfNull(directory);
        string full = Path.GetFullPath(directory);
        string path = Path.Combine(full, LabelsFileName);
        if (!File.Exists(path))
        {
            throw new MedVoxException("no labels.csv", full, hint: "a classification dataset is a folder of images with labels.csv (image,label)");
        }

        var lines = File.ReadAllLines(path);
        if (lines.Length == 0)
        {
            throw new MedVoxException("is empty", path, hint: "the first line is the header image,label");
        }

        var header = lines[0].Split(',');
        int imageColumn = Array.FindIndex(header, h => h.Trim().Equals("image", StringComparison.OrdinalIgnoreCase));
        int labelColumn = Array.FindIndex(header, h => h.Trim().Equals("label", StringComparison.OrdinalIgnoreCase));
        if (imageColumn < 0 || labelColumn < 0)
        {
            throw new MedVoxException("the header lacks the columns image and label", path, "line 1");
        }

        var entries = new List<ClassificationEntry>();
        for (int i = 1; i < lines.Length; i++)
        {
            if (string.IsNullOrWhiteSpace(lines[i]))
            {
                continue;
            }

            var cells = lines[i].Split(',');
            string field = $"line {i + 1}";
            if (cells.Length <= Math.Max(imageColumn, labelColumn))
            {
                throw new MedVoxException($"has {cells.Length} column(s), the header {header.Length}", path, field);
            }

            if (!int.TryParse(cells[labelColumn].Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int label))
            {
                throw new MedVoxException($"label \"{cells[labelColumn].Trim()}\" is not an integer", path, field);
            }

            entries.Add(new ClassificationEntry(cells[imageColumn].Trim(), label));
        }

        return new ClassificationDataset(full, entries);
    }

    /// <summary>Writes labels.csv (atomically) for <paramref name="entries"/>, creating the folder.</summary>
    public static ClassificationDataset Write(string directory, IReadOnlyList<ClassificationEntry> entries)
    {
        ArgumentNullException.ThrowIfNull(directory);
        ArgumentNullException.ThrowIfNull(entries);
        string full = Path.GetFullPath(directory);
        System.IO.Directory.CreateDirectory(full);
        var text = new StringBuilder("image,label\n");
        foreach (var entry in entries)
        {
            if (entry.Image.Contains(',', StringComparison.Ordinal) || entry.Image.Contains('\n', StringComparison.Ordinal))
            {
                throw new ArgumentException($"Image path \"{entry.Image}\" contains a comma or line break.", nameof(entries));
            }

            text.Append(entry.Image.Replace('\\', '/')).Append(',').Append(entry.Label.ToString(CultureInfo.InvariantCulture)).Append('\n');
        }

        using (var file = AtomicFile.Create(Path.Combine(full, LabelsFileName)))
        {
            file.Stream.Write(Encoding.UTF8.GetBytes(text.ToString()));
            file.Commit();
        }

        return new ClassificationDataset(full, [.. entries]);
    }
}
