using System.Globalization;
using System.Text.RegularExpressions;
using MedVox.IO;
using MedVox.IO.Datasets;

namespace MedVox.Learning.Inference;

/// <summary>One case to predict: an identifier (the output's file name) and its inputs, one per channel: image files, or one DICOM folder.</summary>
public sealed record PredictionCase(string Id, IReadOnlyList<string> Inputs);

/// <summary>
/// Turns what a user passes as <c>--in</c> into cases, and splits them between shards. Accepted: one image file; a
/// DICOM folder (a folder without image files); a folder of images (nnU-Net's CASE_0000 channel suffixes group files
/// into cases); a folder of DICOM folders; a dataset in the standard layout (its imagesTs, or imagesTr when there is
/// no test set); a manifest (a text file with one case per line: its channel files separated by tabs or commas,
/// relative to the manifest; '#' starts a comment).
/// </summary>
public static partial class PredictionCases
{
    public static IReadOnlyList<PredictionCase> Resolve(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        List<PredictionCase> cases;
        if (File.Exists(path))
        {
            cases = ImageFile.FindFormat(path) is not null ? [FromFiles([Path.GetFullPath(path)])] : FromManifest(path);
        }
        else if (Directory.Exists(path))
        {
            cases = FromFolder(path);
        }
        else
        {
            throw new MedVoxException("no such file or folder", path, field: "--in");
        }

        cases.Sort((a, b) => string.CompareOrdinal(a.Id, b.Id));
        for (int i = 1; i < cases.Count; i++)
        {
            if (cases[i].Id == cases[i - 1].Id)
            {
                throw new MedVoxException($"two inputs would both be written as case \"{cases[i].Id}\" ({cases[i - 1].Inputs[0]} and {cases[i].Inputs[0]})", path, hint: "give the cases distinct file names");
            }
        }

        if (cases.Count == 0)
        {
            throw new MedVoxException("holds no image to predict", path, hint: "give an image, a DICOM folder, a folder of images, a dataset or a manifest");
        }

        return cases;
    }

    /// <summary>Parses <c>K/N</c> (K counted from 0, as SLURM array and Kubernetes job indices are).</summary>
    public static (int Index, int Count) ParseShard(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var parts = text.Split('/');
        if (parts.Length != 2
            || !int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out int index)
            || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out int count)
            || count < 1 || index >= count)
        {
            throw new MedVoxException($"'{text}' is not a shard", field: "--shard", hint: "write K/N with 0 <= K < N, e.g. --shard 0/3 (SLURM: $SLURM_ARRAY_TASK_ID/N, Kubernetes: $JOB_COMPLETION_INDEX/N)");
        }

        return (index, count);
    }

    /// <summary>The cases of shard <paramref name="index"/> of <paramref name="count"/>: every count-th case of the sorted list, so shards are disjoint, cover all cases and differ in size by at most one.</summary>
    public static IReadOnlyList<PredictionCase> Shard(IReadOnlyList<PredictionCase> cases, int index, int count)
    {
        ArgumentNullException.ThrowIfNull(cases);
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, count);
        var sorted = cases.OrderBy(c => c.Id, StringComparer.Ordinal).ToList();
        var shard = new List<PredictionCase>();
        for (int i = index; i < sorted.Count; i += count)
        {
            shard.Add(sorted[i]);
        }

        return shard;
    }

    /// <summary>The case identifier of an image file: its name without the format's ending and without a _XXXX channel suffix.</summary>
    public static string IdOf(string path)
    {
        var (stem, _) = SplitChannel(Stem(path));
        return stem;
    }

    /// <summary>The file name without the image format's ending (".nii.gz" counts as one ending).</summary>
    internal static string Stem(string path)
    {
        string name = Path.GetFileName(Path.TrimEndingDirectorySeparator(path));
        var format = ImageFile.FindFormat(name);
        if (format is not null)
        {
            foreach (var extension in format.Extensions.OrderByDescending(e => e.Length))
            {
                if (name.EndsWith(extension, StringComparison.OrdinalIgnoreCase))
                {
                    return name[..^extension.Length];
                }
            }
        }

        return name;
    }

    private static (string Id, int Channel) SplitChannel(string stem)
    {
        var match = ChannelSuffix().Match(stem);
        return match.Success ? (match.Groups[1].Value, int.Parse(match.Groups[2].Value, CultureInfo.InvariantCulture)) : (stem, -1);
    }

    private static PredictionCase FromFiles(List<string> files) => new(IdOf(files[0]), files);

    private static List<PredictionCase> FromFolder(string folder)
    {
        string full = Path.GetFullPath(folder);
        if (DecathlonDataset.IsDataset(full))
        {
            var dataset = DecathlonDataset.Read(full);
            var source = dataset.TestCases.Count > 0 ? dataset.TestCases : dataset.TrainingCases;
            return [.. source.Where(c => c.ImagePaths.Count > 0).Select(c => new PredictionCase(c.Id, c.ImagePaths))];
        }

        var images = Directory.EnumerateFiles(full).Where(f => ImageFile.FindFormat(f) is not null && !Path.GetFileName(f).StartsWith('.')).ToList();
        if (images.Count > 0)
        {
            var groups = new SortedDictionary<string, SortedDictionary<int, string>>(StringComparer.Ordinal);
            foreach (string file in images)
            {
                var (id, channel) = SplitChannel(Stem(file));
                if (!groups.TryGetValue(id, out var channels))
                {
                    groups[id] = channels = [];
                }

                if (!channels.TryAdd(channel, file))
                {
                    throw new MedVoxException($"two files give channel {channel} of case \"{id}\" ({Path.GetFileName(channels[channel])} and {Path.GetFileName(file)})", folder);
                }
            }

            var cases = new List<PredictionCase>();
            foreach (var (id, channels) in groups)
            {
                cases.Add(new PredictionCase(id, [.. channels.Values]));
            }

            return cases;
        }

        // No image files: a DICOM series, or a folder of series folders (a folder with no file anywhere below it is
        // neither, and no case).
        if (Directory.EnumerateFiles(full).Any(f => !Path.GetFileName(f).StartsWith('.')))
        {
            return [new PredictionCase(Path.GetFileName(Path.TrimEndingDirectorySeparator(full)), [full])];
        }

        return [.. Directory.EnumerateDirectories(full)
            .Where(d => !Path.GetFileName(d).StartsWith('.') && HoldsFiles(d))
            .Select(d => new PredictionCase(Path.GetFileName(d), [d]))];
    }

    private static bool HoldsFiles(string folder) =>
        Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories).Any(f => !Path.GetFileName(f).StartsWith('.'));

    private static List<PredictionCase> FromManifest(string manifest)
    {
        if (LooksBinary(manifest))
        {
            throw new UnsupportedFormatException("unknown image format", manifest, hint: $"use one of {string.Join(", ", ImageFile.Formats.SelectMany(f => f.Extensions))}, or a text manifest of paths");
        }

        string directory = Path.GetDirectoryName(Path.GetFullPath(manifest))!;
        var cases = new List<PredictionCase>();
        int number = 0;
        foreach (string raw in File.ReadLines(manifest))
        {
            number++;
            int comment = raw.IndexOf('#', StringComparison.Ordinal);
            string line = (comment >= 0 ? raw[..comment] : raw).Trim();
            if (line.Length == 0)
            {
                continue;
            }

            var inputs = new List<string>();
            foreach (string part in line.Split(['\t', ','], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                string full = Path.GetFullPath(Path.Combine(directory, part));
                if (!File.Exists(full) && !Directory.Exists(full))
                {
                    throw new MedVoxException($"line {number} names {part}, which does not exist", manifest, hint: "paths in a manifest are relative to the manifest's folder");
                }

                if (File.Exists(full) && ImageFile.FindFormat(full) is null)
                {
                    throw new MedVoxException($"line {number} names {part}, which is not an image MedVox reads", manifest, hint: $"use one of {string.Join(", ", ImageFile.Formats.SelectMany(f => f.Extensions))} or a DICOM folder");
                }

                inputs.Add(full);
            }

            if (inputs.Count > 0)
            {
                cases.Add(new PredictionCase(IdOf(inputs[0]), inputs));
            }
        }

        return cases;
    }

    private static bool LooksBinary(string path)
    {
        var buffer = new byte[512];
        using var stream = File.OpenRead(path);
        int read = stream.Read(buffer);
        return Array.IndexOf(buffer, (byte)0, 0, read) >= 0;
    }

    [GeneratedRegex(@"^(.*)_(\d{4})$")]
    private static partial Regex ChannelSuffix();
}
