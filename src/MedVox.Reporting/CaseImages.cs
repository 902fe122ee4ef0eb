using MedVox.Geometry;
using MedVox.Imaging;
using MedVox.IO;

namespace MedVox.Reporting;

/// <summary>
/// Where the report finds the images of one case for its snapshots. Each of image, prediction and reference is taken
/// from memory when given, else read from its path; prediction and reference paths default to those the evaluation
/// recorded (<see cref="Evaluation.Segmentation.CaseResult.PredictionPath"/>, <see cref="Evaluation.Segmentation.CaseResult.ReferencePath"/>).
/// Images given in memory stay the caller's: the report does not dispose them.
/// </summary>
/// <param name="CaseId">The case, as in the segmentation report.</param>
public sealed record CaseImages(string CaseId)
{
    /// <summary>The image shown in grey levels (for nnU-Net folders, the first channel CASE_0000).</summary>
    public string? ImagePath { get; init; }

    public string? PredictionPath { get; init; }

    public string? ReferencePath { get; init; }

    public Image? Image { get; init; }

    public Image? Prediction { get; init; }

    public Image? Reference { get; init; }

    /// <summary>A physical point (LPS, mm) the slices pass through, instead of the centre of the reference foreground.</summary>
    public Vector3D? Point { get; init; }

    /// <summary>
    /// The images of <paramref name="caseIds"/> in <paramref name="folder"/>, by file name: CASE_0000.EXT (the first
    /// channel in nnU-Net's imagesTr/imagesTs layout) or else CASE.EXT, in any format <see cref="ImageFile"/> reads.
    /// Cases without an image are left out (their snapshots show outlines on grey).
    /// </summary>
    /// <exception cref="MedVoxException">The folder does not exist.</exception>
    public static IReadOnlyList<CaseImages> FromImageFolder(string folder, IEnumerable<string> caseIds)
    {
        ArgumentNullException.ThrowIfNull(folder);
        ArgumentNullException.ThrowIfNull(caseIds);
        if (!Directory.Exists(folder))
        {
            throw new MedVoxException("no such folder", folder, hint: "give the folder of the images (e.g. imagesTs)");
        }

        var byStem = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string path in Directory.EnumerateFiles(folder).Order(StringComparer.Ordinal))
        {
            if (ImageFile.FindFormat(path) is not { } format)
            {
                continue;
            }

            string name = Path.GetFileName(path);
            string? extension = format.Extensions.Where(e => name.EndsWith(e, StringComparison.OrdinalIgnoreCase)).MaxBy(e => e.Length);
            if (extension is not null)
            {
                byStem.TryAdd(name[..^extension.Length], path);
            }
        }

        var found = new List<CaseImages>();
        foreach (string id in caseIds)
        {
            if (byStem.TryGetValue(id + "_0000", out string? path) || byStem.TryGetValue(id, out path))
            {
                found.Add(new CaseImages(id) { ImagePath = path });
            }
        }

        return found;
    }
}
