using System.Text;
using MedVox.Evaluation.Segmentation;
using MedVox.IO;
using MedVox.Reporting.Html;

namespace MedVox.Reporting;

/// <summary>
/// The evaluation report: one self-contained HTML file (inline CSS, charts and snapshots as PNG data URIs, no scripts,
/// no external links) with, for a segmentation evaluation, the problems (skipped cases), a summary table per label,
/// box plots of Dice and HD95, snapshots of chosen cases, the per-case table and the full statistics; and, when
/// given, classification (ROC) and detection (FROC) results. The markup is well-formed XML as well as HTML.
/// </summary>
public static class EvaluationHtmlReport
{
    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false);

    /// <summary>Writes the report to <paramref name="path"/> atomically (a temporary file renamed into place).</summary>
    /// <param name="path">The .html file to write; its folder must exist.</param>
    /// <param name="title">The heading and the page title.</param>
    /// <param name="segmentation">A segmentation evaluation, or null for a classification or detection report.</param>
    /// <param name="options">Notes, snapshot sources and options, classification and detection results.</param>
    /// <exception cref="MedVoxException">The file cannot be written.</exception>
    public static void Write(string path, string title, SegmentationReport? segmentation, HtmlReportOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        string html = Render(title, segmentation, options);
        string? folder = Path.GetDirectoryName(Path.GetFullPath(path));
        if (folder is not null && !Directory.Exists(folder))
        {
            throw new MedVoxException("cannot write the report: its folder does not exist", path, hint: "create the folder first");
        }

        try
        {
            using var file = AtomicFile.Create(path);
            file.Stream.Write(Utf8.GetBytes(html));
            file.Commit();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new MedVoxException($"cannot write the report ({ex.Message})", path);
        }
    }

    /// <summary>The report as a string (what <see cref="Write"/> writes).</summary>
    public static string Render(string title, SegmentationReport? segmentation, HtmlReportOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(title);
        options ??= HtmlReportOptions.Default;
        if (segmentation is null && options.BinaryClassifications.Count == 0 && options.MulticlassClassifications.Count == 0 && options.Detections.Count == 0)
        {
            throw new ArgumentException("The report has nothing to show: give a segmentation report, classification or detection results.", nameof(segmentation));
        }

        ArgumentNullException.ThrowIfNull(options.Snapshot);
        options.Snapshot.Validate();
        return new HtmlReportBuilder(title, segmentation, options).Build();
    }
}
