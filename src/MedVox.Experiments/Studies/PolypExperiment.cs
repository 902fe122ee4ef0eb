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
/// hit nor a false positive (such polyps are not targets, but finding them is not an error either), nor is one at a polyp cut by the volume's border. Beside it, the CNN
/// detector of <see cref="PolypCnn"/> (permissive candidates of the same filter, each classified by a small 3D CNN
/// trained on separate phantoms), scored on the same test phantoms.
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

        // The CNN detector trains on separate phantoms (case indices after the test cases), with more polyps each.
        var (cnn, trainCount, trainPolyps) = settings.Scale switch
        {
            ExperimentScale.Tiny => (new PolypCnnSettings(20, 1.5, [8, 16, 32], 200, 16, 3e-3, settings.Seed), 2, 12),
            ExperimentScale.Cpu => (new PolypCnnSettings(20, 1.5, [8, 16, 32], 400, 16, 3e-3, settings.Seed), 3, 10),
            _ => (new PolypCnnSettings(24, 1.0, [16, 32, 64], 3000, 32, 1e-3, settings.Seed), 30, 10),
        };
        Directory.CreateDirectory(settings.WorkDirectory);
        var trainingOptions = new PhantomOptions { Seed = settings.Seed, Colon = colon with { PolypCount = trainPolyps } };
        var patches = new TrainingPatches();
        var random = new Random(settings.Seed);
        var clock = Stopwatch.StartNew();
        for (int j = 0; j < trainCount; j++)
        {
            cancellation.ThrowIfCancellationRequested();
            progress?.Report($"training case {j + 1}/{trainCount}: generating and collecting candidates");
            using var phantom = (ColonCase)PhantomDatasets.GenerateCase(PhantomKind.Colon, trainingOptions, caseCount + j, cancellation: cancellation);
            var volume = new CtVolume(phantom.Image);
            var detection = PolypDetector.Detect(phantom.Image, PolypCnn.CandidateOptions, cancellation);
            var polyps = new List<(MedVox.Geometry.Vector3D, double)>();
            foreach (var polyp in phantom.Polyps)
            {
                polyps.Add((polyp.Center, polyp.Diameter));
            }

            PolypCnn.AddTrainingPatches(volume, phantom.Labels, [.. detection.Candidates.Select(c => c.Center)], polyps, cnn, 8, 200, random, patches);
        }

        double trainingDataSeconds = clock.Elapsed.TotalSeconds;
        clock.Restart();
        using var network = PolypCnn.Train(patches, cnn, progress, cancellation);
        double operatingPoint = patches.OperatingPoint;
        double trainingSeconds = clock.Elapsed.TotalSeconds;

        var cases = new List<DetectionCase>();
        var cnnCases = new List<DetectionCase>();
        var cnnOperating = new List<DetectionCase>();
        var options = new PhantomOptions { Seed = settings.Seed, Colon = colon };
        double spacing = 0, sliceMm = 0;
        var detectionTime = TimeSpan.Zero;
        var cnnTime = TimeSpan.Zero;
        int smallPolyps = 0, outside = 0;
        for (int i = 0; i < caseCount; i++)
        {
            cancellation.ThrowIfCancellationRequested();
            progress?.Report($"case {i + 1}/{caseCount}: generating a colonography phantom of {colon.Size}^2 voxels in-plane");
            using var phantom = (ColonCase)PhantomDatasets.GenerateCase(PhantomKind.Colon, options, i, cancellation: cancellation);
            spacing = phantom.Image.Geometry.Spacing.X;
            sliceMm = phantom.Image.Geometry.Spacing.Z;
            progress?.Report($"case {i + 1}/{caseCount}: detecting");
            clock.Restart();
            var detection = PolypDetector.Detect(phantom.Image, cancellation: cancellation);
            detectionTime += clock.Elapsed;
            clock.Restart();
            var permissive = PolypDetector.Detect(phantom.Image, PolypCnn.CandidateOptions, cancellation);
            var centres = permissive.Candidates.Select(c => c.Center).ToArray();
            var scores = PolypCnn.Score(network, new CtVolume(phantom.Image), centres, cnn);
            cnnTime += clock.Elapsed;
            var targets = new List<Lesion>();
            var ignored = new List<MedVox.Synthetic.Colon.Polyp>();
            int outsideBefore = outside;
            foreach (var polyp in phantom.Polyps)
            {
                if (!Inside(phantom.Image.Geometry, polyp))
                {
                    outside++;
                    ignored.Add(polyp);
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

            smallPolyps += ignored.Count - (outside - outsideBefore);
            var candidates = new List<Candidate>();
            foreach (var candidate in detection.Candidates)
            {
                if (!NearSmallPolyp(candidate.Center, ignored))
                {
                    candidates.Add(new Candidate(candidate.Center, candidate.Score));
                }
            }

            var cnnCandidates = new List<Candidate>();
            for (int c = 0; c < centres.Length; c++)
            {
                if (!NearSmallPolyp(centres[c], ignored))
                {
                    cnnCandidates.Add(new Candidate(centres[c], scores[c]));
                }
            }

            string id = PhantomDatasets.CaseId(PhantomKind.Colon, i);
            cases.Add(new DetectionCase(id, targets, candidates));
            cnnCases.Add(new DetectionCase(id, targets, cnnCandidates));
            cnnOperating.Add(new DetectionCase(id, targets, cnnCandidates.FindAll(c => c.Score >= operatingPoint)));
        }

        var froc = DetectionEvaluator.Evaluate(cases);
        var cnnFroc = DetectionEvaluator.Evaluate(cnnCases);
        var operating = DetectionEvaluator.Evaluate(cnnOperating);
        string curvePath = Path.Combine(settings.WorkDirectory, "polyp-froc.csv");
        DetectionReportWriter.WriteCurveCsv(froc, curvePath);
        string cnnCurvePath = Path.Combine(settings.WorkDirectory, "polyp-froc-cnn.csv");
        DetectionReportWriter.WriteCurveCsv(cnnFroc, cnnCurvePath);
        string plotPath = Path.Combine(settings.WorkDirectory, "polyp-froc.png");
        File.WriteAllBytes(plotPath, ReportPlots.FrocCurves(
        [
            new NamedResult<FrocResult>("shape index + curvedness", froc),
            new NamedResult<FrocResult>("candidates + 3D CNN", cnnFroc),
        ]));

        var last = froc.Curve[^1];
        var table = new MarkdownTable("method", "data", "cases", "polyps >= 6 mm", "sensitivity", "FP per case", "sens. at 1 FP", "sens. at 2 FP", "sens. at 4 FP", "sens. at 8 FP");
        table.Add(
            "shape index + curvedness (MedVox, classical)", "phantoms", F(caseCount), F(froc.LesionCount), Percent(last.Sensitivity), F(last.FalsePositivesPerCase),
            Percent(froc.SensitivityAt(1)), Percent(froc.SensitivityAt(2)), Percent(froc.SensitivityAt(4)), Percent(froc.SensitivityAt(8)));
        var point = operating.Curve[^1];
        table.Add(
            "CNN (candidates + 3D CNN, MedVox)", "phantoms", F(caseCount), F(cnnFroc.LesionCount), Percent(point.Sensitivity), F(point.FalsePositivesPerCase),
            Percent(cnnFroc.SensitivityAt(1)), Percent(cnnFroc.SensitivityAt(2)), Percent(cnnFroc.SensitivityAt(4)), Percent(cnnFroc.SensitivityAt(8)));
        table.Add("shape index + curvedness, Yoshida and Näppi 2001 (published)", "real CTC", "", "", "91.2%", "7.9", "", "", "", "");
        table.Add("deep learning (published)", "real CTC", "", "", "93.5%", "3.9", "", "", "", "");
        var permissiveOptions = PolypCnn.CandidateOptions;
        string settingsLine = string.Create(CultureInfo.InvariantCulture,
            $"scale {settings.Scale}, seed {settings.Seed}, {caseCount} test colon phantoms of {colon.Size}^2 voxels in-plane ({spacing:F2} mm, slices {sliceMm:F2} mm), {colon.PolypCount} polyps of 3-15 mm each ({froc.LesionCount} of 6 mm or more; {smallPolyps} smaller ones and {outside} not wholly inside the field of view neither count nor penalise), tagged fluid; a hit is a candidate within the polyp's radius of its centre; classical detection {detectionTime.TotalSeconds / caseCount:F1} s per case. " +
            $"CNN: candidates from the same filter at a permissive setting (clusters of cap-like surface down to {permissiveOptions.MinClusterVolumeMm3} mm^3 and {permissiveOptions.MinClusterVoxels} voxels), each scored by a 3D CNN (widths [{string.Join(", ", cnn.Widths)}], global max pooling) on a {cnn.Patch}^3 patch resampled to {cnn.SpacingMm} mm; trained on {trainCount} separate phantoms with {trainPolyps} polyps each ({patches.Positives.Count} positive patches at candidates on polyps and at polyp centres shifted up to a quarter diameter, {patches.HardNegatives.Count} negative at candidates and {patches.EasyNegatives.Count} at random colon-surface points, all farther than a diameter from every polyp; shifts up to 2 voxels, flips), {cnn.Iterations} AdamW steps of {cnn.BatchSize} balanced patches (lr {cnn.LearningRate}); operating point: CNN probability >= {operatingPoint:F3}, where a candidate becomes more likely polyp than not given the training candidates' polyp fraction ({patches.CandidatePositives} of {patches.CandidatePositives + patches.HardNegatives.Count}; the network is trained on balanced batches); training data {trainingDataSeconds:F0} s, training {trainingSeconds:F0} s, candidates and scoring {cnnTime.TotalSeconds / caseCount:F1} s per case");
        var notes = new List<string>
        {
            "Synthetic phantoms are far simpler than real colons (no haustral folds with stool, no residual untagged fluid), so our numbers are not comparable with the published ones; those are context only.",
            "Sensitivity and FP per case: the classical row counts every candidate it reports; the CNN row counts candidates at its operating point. The 'sens. at N FP' columns are read off each method's FROC curve (polyp-froc.csv, polyp-froc-cnn.csv, polyp-froc.png).",
        };
        return new ExperimentResult(Name, Title, table, settingsLine, notes, [curvePath, cnnCurvePath, plotPath]);
    }

    /// <summary>A candidate within the radius of a polyp under 6 mm, or of one cut by the volume's border, is neither a hit nor a false positive.</summary>
    private static bool NearSmallPolyp(MedVox.Geometry.Vector3D centre, List<MedVox.Synthetic.Colon.Polyp> ignored) =>
        ignored.Exists(p => (centre - p.Center).Length <= 0.5 * p.Diameter);

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
