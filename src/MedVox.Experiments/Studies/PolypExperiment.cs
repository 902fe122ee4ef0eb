using System.Diagnostics;
using System.Globalization;
using MedVox.Classical.Colonography;
using MedVox.Evaluation.Detection;
using MedVox.Reporting;
using MedVox.Reporting.Plots;
using MedVox.Synthetic;
using MedVox.Synthetic.Colon;

namespace MedVox.Experiments.Studies;

/// <summary>
/// <c>polyp</c>: polyp detection in CT colonography phantoms with the classical shape-index/curvedness detector
/// (Yoshida and Näppi 2001), scored the way CAD papers score it: per-polyp sensitivity for polyps of 6 mm and more,
/// false positives per case, and the FROC curve. A candidate within the radius of a polyp smaller than 6 mm is neither a
/// hit nor a false positive (such polyps are not targets, but finding them is not an error either).
/// </summary>
public sealed class PolypExperiment : Experiment
{
    public override string Name => "polyp";

    public override string Title => "Polyp detection in CT colonography";

    public override ExperimentResult Run(ExperimentSettings settings, IProgress<string>? progress = null, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(settings);
        // CT colonography is thin-slice: the whole abdomen at 1.5 mm voxels (CPU) or 0.74 mm (full); the tiny check takes
        // a 192 mm cube of 1.5 mm voxels around the centre with more polyps, and counts those inside it.
        var colon = settings.Scale switch
        {
            ExperimentScale.Tiny => new ColonOptions { Size = 128, Spacing = 1.5, SliceSpacing = 1.5, Slices = 128, PolypCount = 12 },
            ExperimentScale.Cpu => new ColonOptions { Size = 256 },
            _ => new ColonOptions { Size = 512 },
        };
        int caseCount = settings.Scale switch { ExperimentScale.Tiny => 2, ExperimentScale.Cpu => 8, _ => 30 };
        Directory.CreateDirectory(settings.WorkDirectory);
        var cases = new List<DetectionCase>();
        var options = new PhantomOptions { Seed = settings.Seed, Colon = colon };
        double spacing = 0, sliceMm = 0;
        var detectionTime = TimeSpan.Zero;
        int smallPolyps = 0, outside = 0;
        for (int i = 0; i < caseCount; i++)
        {
            cancellation.ThrowIfCancellationRequested();
            progress?.Report($"case {i + 1}/{caseCount}: generating a colonography phantom of {colon.Size}^2 voxels in-plane");
            using var phantom = (ColonCase)PhantomDatasets.GenerateCase(PhantomKind.Colon, options, i, cancellation: cancellation);
            spacing = phantom.Image.Geometry.Spacing.X;
            sliceMm = phantom.Image.Geometry.Spacing.Z;
            progress?.Report($"case {i + 1}/{caseCount}: detecting");
            var clock = Stopwatch.StartNew();
            var detection = PolypDetector.Detect(phantom.Image, cancellation: cancellation);
            detectionTime += clock.Elapsed;
            var targets = new List<Lesion>();
            var ignored = new List<MedVox.Synthetic.Colon.Polyp>();
            foreach (var polyp in phantom.Polyps)
            {
                if (!Inside(phantom.Image.Geometry, polyp))
                {
                    outside++;
                }
                else if (polyp.IsClinicallyRelevant)
                {
                    targets.Add(new Lesion(polyp.Center, polyp.Diameter));
                }
                else
                {
                    ignored.Add(polyp);
                }
            }

            smallPolyps += ignored.Count;
            var candidates = new List<Candidate>();
            foreach (var candidate in detection.Candidates)
            {
                if (!ignored.Exists(p => (candidate.Center - p.Center).Length <= 0.5 * p.Diameter))
                {
                    candidates.Add(new Candidate(candidate.Center, candidate.Score));
                }
            }

            cases.Add(new DetectionCase(PhantomDatasets.CaseId(PhantomKind.Colon, i), targets, candidates));
        }

        var froc = DetectionEvaluator.Evaluate(cases);
        string curvePath = Path.Combine(settings.WorkDirectory, "polyp-froc.csv");
        DetectionReportWriter.WriteCurveCsv(froc, curvePath);
        string plotPath = Path.Combine(settings.WorkDirectory, "polyp-froc.png");
        File.WriteAllBytes(plotPath, ReportPlots.FrocCurves([new NamedResult<FrocResult>("shape index + curvedness", froc)]));

        var last = froc.Curve[^1];
        var table = new MarkdownTable("method", "data", "cases", "polyps >= 6 mm", "sensitivity", "FP per case", "sens. at 1 FP", "sens. at 2 FP", "sens. at 4 FP", "sens. at 8 FP");
        table.Add(
            "shape index + curvedness (MedVox, classical)", "phantoms", F(caseCount), F(froc.LesionCount), Percent(last.Sensitivity), F(last.FalsePositivesPerCase),
            Percent(froc.SensitivityAt(1)), Percent(froc.SensitivityAt(2)), Percent(froc.SensitivityAt(4)), Percent(froc.SensitivityAt(8)));
        table.Add("shape index + curvedness, Yoshida and Näppi 2001 (published)", "real CTC", "", "", "91.2%", "7.9", "", "", "", "");
        table.Add("deep learning (published)", "real CTC", "", "", "93.5%", "3.9", "", "", "", "");
        string settingsLine = string.Create(CultureInfo.InvariantCulture,
            $"scale {settings.Scale}, seed {settings.Seed}, {caseCount} colon phantoms of {colon.Size}^2 voxels in-plane ({spacing:F2} mm, slices {sliceMm:F2} mm), {colon.PolypCount} polyps of 3-15 mm each ({froc.LesionCount} of 6 mm or more; {smallPolyps} smaller ones neither count nor penalise; {outside} outside the field of view), tagged fluid; a hit is a candidate within the polyp's radius of its centre; detection {detectionTime.TotalSeconds / caseCount:F1} s per case");
        var notes = new List<string>
        {
            "Synthetic phantoms are far simpler than real colons (no haustral folds with stool, no residual untagged fluid), so our numbers are not comparable with the published ones; those are context only.",
            "The CNN detector (a 3D U-Net on the polyp label, candidates from its components) is not in this table yet.",
        };
        return new ExperimentResult(Name, Title, table, settingsLine, notes, [curvePath, plotPath]);
    }

    /// <summary>Whether the polyp's head lies in the volume with a margin of its radius.</summary>
    private static bool Inside(MedVox.Geometry.ImageGeometry geometry, MedVox.Synthetic.Colon.Polyp polyp)
    {
        var index = geometry.PhysicalToIndex(polyp.Center);
        var size = geometry.Size;
        double margin = polyp.Diameter / 2 / Math.Min(geometry.Spacing.X, Math.Min(geometry.Spacing.Y, geometry.Spacing.Z));
        return index.X >= margin && index.Y >= margin && index.Z >= margin &&
            index.X <= size.X - 1 - margin && index.Y <= size.Y - 1 - margin && index.Z <= size.Z - 1 - margin;
    }

    private static string F(double value) => value.ToString("0.##", CultureInfo.InvariantCulture);

    private static string Percent(double value) => double.IsNaN(value) ? "n/a" : (100 * value).ToString("F1", CultureInfo.InvariantCulture) + "%";
}
