using System.Globalization;
using MedVox.Imaging;

namespace MedVox.IO.Datasets;

/// <summary>
/// A segmentation dataset in the Medical Segmentation Decathlon / nnU-Net v2 layout:
/// <c>dataset.json</c>, <c>imagesTr/CASE_0000{ending}</c> (one file per channel), <c>labelsTr/CASE{ending}</c> and
/// <c>imagesTs/</c>. Datasets whose dataset.json lists the files (the Decathlon's own, with all channels in one 4D
/// file) are read from those lists. A user's dataset in this layout and a generated phantom dataset work the same way.
/// </summary>
public sealed class DecathlonDataset
{
    public const string ImagesTraining = "imagesTr";
    public const string LabelsTraining = "labelsTr";
    public const string ImagesTest = "imagesTs";

    private DecathlonDataset(string directory, DatasetDescription description, IReadOnlyList<DatasetCase> training, IReadOnlyList<DatasetCase> test, IReadOnlyList<string> strayFiles)
    {
        Directory = directory;
        Description = description;
        TrainingCases = training;
        TestCases = test;
        StrayFiles = strayFiles;
    }

    public string Directory { get; }

    public DatasetDescription Description { get; private set; }

    /// <summary>Training cases in ordinal order of their identifiers (including any that have a label but no image).</summary>
    public IReadOnlyList<DatasetCase> TrainingCases { get; private set; }

    public IReadOnlyList<DatasetCase> TestCases { get; private set; }

    /// <summary>Files in imagesTr, labelsTr or imagesTs whose names do not follow the layout (wrong ending or no _XXXX channel suffix).</summary>
    public IReadOnlyList<string> StrayFiles { get; private set; }

    /// <summary>True when <paramref name="directory"/> holds a dataset.json.</summary>
    public static bool IsDataset(string directory) => File.Exists(Path.Combine(directory, DatasetDescription.FileName));

    /// <summary>Reads dataset.json and finds the cases.</summary>
    public static DecathlonDataset Read(string directory)
    {
        ArgumentNullException.ThrowIfNull(directory);
        if (!System.IO.Directory.Exists(directory))
        {
            throw new MedVoxException("no such folder", directory);
        }

        string full = Path.GetFullPath(directory);
        var description = DatasetDescription.Load(Path.Combine(full, DatasetDescription.FileName));
        var dataset = new DecathlonDataset(full, description, [], [], []);
        dataset.Scan();
        return dataset;
    }

    /// <summary>Creates the folders and writes dataset.json (numTraining is kept up to date as cases are written).</summary>
    public static DecathlonDataset Create(string directory, DatasetDescription description)
    {
        ArgumentNullException.ThrowIfNull(directory);
        ArgumentNullException.ThrowIfNull(description);
        if (description.ChannelNames.Count == 0)
        {
            throw new ArgumentException("The description needs at least one channel name.", nameof(description));
        }

        string full = Path.GetFullPath(directory);
        System.IO.Directory.CreateDirectory(Path.Combine(full, ImagesTraining));
        System.IO.Directory.CreateDirectory(Path.Combine(full, LabelsTraining));
        System.IO.Directory.CreateDirectory(Path.Combine(full, ImagesTest));
        var dataset = new DecathlonDataset(full, description with { ListsFiles = false, Training = [], Test = [] }, [], [], []);
        dataset.Scan();
        dataset.SaveDescription();
        return dataset;
    }

    /// <summary>Where channel <paramref name="channel"/> of a case goes: <c>imagesTr/CASE_0000{ending}</c> (or imagesTs).</summary>
    public string ImagePath(string caseId, int channel, bool test = false) =>
        Path.Combine(Directory, test ? ImagesTest : ImagesTraining, $"{caseId}_{channel.ToString("D4", CultureInfo.InvariantCulture)}{Description.FileEnding}");

    /// <summary>Where the label of a case goes: <c>labelsTr/CASE{ending}</c>.</summary>
    public string LabelPath(string caseId) => Path.Combine(Directory, LabelsTraining, caseId + Description.FileEnding);

    /// <summary>Writes the channels and label of a training case and updates numTraining in dataset.json.</summary>
    public void WriteTrainingCase(string caseId, IReadOnlyList<Image> channels, Image label, ImageWriteOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(label);
        WriteChannels(caseId, channels, test: false, options);
        ImageFile.Write(label, LabelPath(caseId), options);
        Scan();
        SaveDescription();
    }

    /// <summary>Writes the channels of a test case (imagesTs, no label).</summary>
    public void WriteTestCase(string caseId, IReadOnlyList<Image> channels, ImageWriteOptions? options = null)
    {
        WriteChannels(caseId, channels, test: true, options);
        Scan();
    }

    /// <summary>Writes dataset.json with numTraining set to the number of training cases.</summary>
    public void SaveDescription()
    {
        if (!Description.ListsFiles)
        {
            Description = Description with { NumTraining = TrainingCases.Count };
        }

        Description.Save(Path.Combine(Directory, DatasetDescription.FileName));
    }

    private void WriteChannels(string caseId, IReadOnlyList<Image> channels, bool test, ImageWriteOptions? options)
    {
        ArgumentNullException.ThrowIfNull(caseId);
        ArgumentNullException.ThrowIfNull(channels);
        if (caseId.Length == 0 || caseId.IndexOfAny(Path.GetInvalidFileNameChars()) >= 0 || caseId.Contains('/', StringComparison.Ordinal))
        {
            throw new ArgumentException($"\"{caseId}\" cannot be a case identifier (it becomes a file name).", nameof(caseId));
        }

        if (channels.Count != Description.ChannelNames.Count)
        {
            throw new ArgumentException($"The dataset declares {Description.ChannelNames.Count} channel(s); {channels.Count} were given.", nameof(channels));
        }

        for (int c = 0; c < channels.Count; c++)
        {
            ImageFile.Write(channels[c], ImagePath(caseId, c, test), options);
        }
    }

    private void Scan()
    {
        var stray = new List<string>();
        if (Description.ListsFiles)
        {
            var training = new List<DatasetCase>();
            foreach (var (image, label) in Description.Training)
            {
                training.Add(new DatasetCase(CaseIdOf(image), [Resolve(image)], Resolve(label), false));
            }

            var test = new List<DatasetCase>();
            foreach (var image in Description.Test)
            {
                test.Add(new DatasetCase(CaseIdOf(image), [Resolve(image)], null, true));
            }

            TrainingCases = training;
            TestCases = test;
            StrayFiles = stray;
            return;
        }

        var trainingIds = new SortedSet<string>(StringComparer.Ordinal);
        CollectImageCases(Path.Combine(Directory, ImagesTraining), trainingIds, stray);
        string labels = Path.Combine(Directory, LabelsTraining);
        if (System.IO.Directory.Exists(labels))
        {
            foreach (var file in System.IO.Directory.EnumerateFiles(labels))
            {
                string name = Path.GetFileName(file);
                if (name.StartsWith('.'))
                {
                    continue;
                }

                if (name.EndsWith(Description.FileEnding, StringComparison.Ordinal) && name.Length > Description.FileEnding.Length)
                {
                    trainingIds.Add(name[..^Description.FileEnding.Length]);
                }
                else
                {
                    stray.Add(file);
                }
            }
        }

        var testIds = new SortedSet<string>(StringComparer.Ordinal);
        CollectImageCases(Path.Combine(Directory, ImagesTest), testIds, stray);
        TrainingCases = [.. trainingIds.Select(id => new DatasetCase(id, ChannelPaths(id, false), LabelPath(id), false))];
        TestCases = [.. testIds.Select(id => new DatasetCase(id, ChannelPaths(id, true), null, true))];
        stray.Sort(StringComparer.Ordinal);
        StrayFiles = stray;
    }

    private IReadOnlyList<string> ChannelPaths(string caseId, bool test)
    {
        var paths = new string[Description.ChannelNames.Count];
        for (int c = 0; c < paths.Length; c++)
        {
            paths[c] = ImagePath(caseId, c, test);
        }

        return paths;
    }

    private void CollectImageCases(string folder, SortedSet<string> ids, List<string> stray)
    {
        if (!System.IO.Directory.Exists(folder))
        {
            return;
        }

        string ending = Description.FileEnding;
        foreach (var file in System.IO.Directory.EnumerateFiles(folder))
        {
            string name = Path.GetFileName(file);
            if (name.StartsWith('.'))
            {
                continue;
            }

            // CASE_XXXX{ending}: at least one character of case id, an underscore and four digits.
            if (!name.EndsWith(ending, StringComparison.Ordinal) || name.Length < ending.Length + 6)
            {
                stray.Add(file);
                continue;
            }

            string stem = name[..^ending.Length];
            string suffix = stem[^5..];
            if (suffix[0] != '_' || !int.TryParse(suffix.AsSpan(1), NumberStyles.None, CultureInfo.InvariantCulture, out int channel))
            {
                stray.Add(file);
                continue;
            }

            if (channel >= Description.ChannelNames.Count)
            {
                stray.Add(file);
            }

            ids.Add(stem[..^5]);
        }
    }

    private string Resolve(string relative) => Path.GetFullPath(Path.Combine(Directory, relative));

    private static string CaseIdOf(string path)
    {
        string name = Path.GetFileName(path);
        int dot = name.IndexOf('.', StringComparison.Ordinal);
        return dot > 0 ? name[..dot] : name;
    }
}
