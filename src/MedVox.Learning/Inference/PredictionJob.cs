using System.Diagnostics;
using MedVox.Imaging;
using MedVox.IO;
using MedVox.Memory;

namespace MedVox.Learning.Inference;

/// <summary>What happened to one case of a job.</summary>
public enum CaseOutcome
{
    Written,

    /// <summary>Its sidecar shows it was already predicted with this model, input and settings.</summary>
    Skipped,

    Failed,
}

/// <summary>The outcome of one case: the files written, how long it took, where the logits lived, or the error.</summary>
public sealed record CaseReport(string Id, CaseOutcome Outcome, TimeSpan Elapsed, IReadOnlyList<string> Files, AccumulatorPlacement? Placement = null, MedVoxException? Error = null);

/// <summary>
/// Predicts cases into an output folder: <c>CASE{ending}</c> (labels), <c>probabilities/CASE{ending}</c> on request,
/// and the <see cref="PredictionSidecar"/> last, each written atomically, so a case is either complete or absent and a
/// re-run (or a concurrent shard) skips finished cases. Each case is checked against the model from its headers before
/// its pixels are read; a bad case fails alone.
/// </summary>
public sealed class PredictionJob
{
    public const string ProbabilitiesFolder = "probabilities";

    private readonly Predictor _predictor;
    private readonly CascadePredictor? _cascade;
    private readonly string _modelHash;
    private readonly string? _ending;
    private readonly Func<string, Image>? _folderReader;

    /// <param name="predictor">The model, ready.</param>
    /// <param name="modelHash">See <see cref="PredictionSidecar.HashModel"/>.</param>
    /// <param name="outputDirectory">Created if needed.</param>
    /// <param name="ending">Output file ending (".nii.gz", ".nrrd", ".mha"...); null: the first input's, or ".nii.gz" for DICOM.</param>
    /// <param name="folderReader">Reads a DICOM folder (MedVox.Dicom lives above this library); null refuses folders.</param>
    public PredictionJob(Predictor predictor, string modelHash, string outputDirectory, string? ending = null, Func<string, Image>? folderReader = null)
    {
        ArgumentNullException.ThrowIfNull(predictor);
        ArgumentNullException.ThrowIfNull(modelHash);
        ArgumentNullException.ThrowIfNull(outputDirectory);
        _predictor = predictor;
        _modelHash = modelHash;
        OutputDirectory = Path.GetFullPath(outputDirectory);
        _ending = ending;
        _folderReader = folderReader;
        if (ending is not null && ImageFile.FindFormat("x" + ending) is null)
        {
            throw new UnsupportedFormatException($"no image format writes '{ending}'", field: "--ending", hint: $"use one of {string.Join(", ", ImageFile.Formats.SelectMany(f => f.Extensions))}");
        }
    }

    /// <summary>
    /// A job whose cases go through a coarse-to-fine <paramref name="cascade"/>; <paramref name="modelHash"/> should
    /// cover both stages and the margin (<see cref="PredictionSidecar.HashCascade"/>). A cascade writes no probabilities.
    /// </summary>
    public PredictionJob(CascadePredictor cascade, string modelHash, string outputDirectory, string? ending = null, Func<string, Image>? folderReader = null)
        : this(FineOf(cascade), modelHash, outputDirectory, ending, folderReader)
    {
        if (cascade.Fine.Options.Probabilities || cascade.Coarse.Options.Probabilities)
        {
            throw new MedVoxException("a cascade writes labels only, no probabilities", field: "--probabilities", hint: "leave out --probabilities, or predict without --cascade");
        }

        _cascade = cascade;
    }

    public string OutputDirectory { get; }

    private static Predictor FineOf(CascadePredictor cascade)
    {
        ArgumentNullException.ThrowIfNull(cascade);
        return cascade.Fine;
    }

    /// <summary>Creates the output folder and proves it writable, before any long work.</summary>
    public void Prepare()
    {
        try
        {
            Directory.CreateDirectory(OutputDirectory);
            if (_predictor.Options.Probabilities)
            {
                Directory.CreateDirectory(Path.Combine(OutputDirectory, ProbabilitiesFolder));
            }

            string probe = Path.Combine(OutputDirectory, $".medvox-write-test-{Environment.ProcessId}-{Guid.NewGuid():N}");
            File.WriteAllBytes(probe, [1]);
            File.Delete(probe);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new MedVoxException("cannot write to the output folder", OutputDirectory, field: "--out", hint: "choose a folder you can write to", inner: ex);
        }
    }

    /// <summary>Predicts one case unless its sidecar shows it done; failures of the case come back in the report.</summary>
    public CaseReport Run(PredictionCase predictionCase, IProgress<double>? progress = null, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(predictionCase);
        var started = Stopwatch.StartNew();
        try
        {
            string ending = EndingFor(predictionCase);
            string settingsHash = PredictionSidecar.HashSettings(_predictor.Options, ending);
            string inputHash = PredictionSidecar.HashInputs(predictionCase.Inputs);
            string sidecarPath = PredictionSidecar.PathFor(OutputDirectory, predictionCase.Id);
            var existing = PredictionSidecar.TryLoad(sidecarPath);
            if (existing is not null && existing.IsCurrent(OutputDirectory, _modelHash, inputHash, settingsHash))
            {
                return new CaseReport(predictionCase.Id, CaseOutcome.Skipped, started.Elapsed, [.. existing.Outputs.Select(o => o.File)]);
            }

            Preflight(predictionCase);
            var images = new List<Image>();
            try
            {
                foreach (string input in predictionCase.Inputs)
                {
                    cancellation.ThrowIfCancellationRequested();
                    images.Add(Read(input));
                }

                using var result = _cascade is null
                    ? _predictor.Predict(images, predictionCase.Inputs, progress, cancellation)
                    : _cascade.Predict(images, predictionCase.Inputs, progress, cancellation);
                var outputs = new List<PredictionOutput>();
                string labels = predictionCase.Id + ending;
                ImageFile.Write(result.Labels, Path.Combine(OutputDirectory, labels));
                outputs.Add(new PredictionOutput(labels, new FileInfo(Path.Combine(OutputDirectory, labels)).Length));
                if (result.Probabilities is not null)
                {
                    string probabilities = Path.Combine(ProbabilitiesFolder, predictionCase.Id + ending);
                    ImageFile.Write(result.Probabilities, Path.Combine(OutputDirectory, probabilities));
                    outputs.Add(new PredictionOutput(probabilities, new FileInfo(Path.Combine(OutputDirectory, probabilities)).Length));
                }

                new PredictionSidecar
                {
                    Case = predictionCase.Id,
                    ModelHash = _modelHash,
                    InputHash = inputHash,
                    SettingsHash = settingsHash,
                    Outputs = outputs,
                    Seconds = Math.Round(started.Elapsed.TotalSeconds, 3),
                }.Save(sidecarPath);
                return new CaseReport(predictionCase.Id, CaseOutcome.Written, started.Elapsed, [.. outputs.Select(o => o.File)], result.Placement);
            }
            finally
            {
                foreach (var image in images)
                {
                    image.Dispose();
                }
            }
        }
        catch (MedVoxException ex)
        {
            return new CaseReport(predictionCase.Id, CaseOutcome.Failed, started.Elapsed, [], Error: ex);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return new CaseReport(predictionCase.Id, CaseOutcome.Failed, started.Elapsed, [], Error: new MedVoxException(ex.Message.TrimEnd('.'), OutputDirectory, hint: "check the disk space and permissions", inner: ex));
        }
    }

    /// <summary>Channel count, dimensionality and memory from the headers alone (DICOM folders are checked when read).</summary>
    private void Preflight(PredictionCase predictionCase)
    {
        int channels = 0;
        ImageHeader? first = null;
        long inMemory = 0;
        foreach (string input in predictionCase.Inputs)
        {
            if (Directory.Exists(input))
            {
                return;
            }

            var header = ImageFile.ReadHeader(input);
            first ??= header;
            channels += header.Channels * header.Geometry.Size.T;
            inMemory += header.Geometry.Size.VoxelCount * header.Channels * header.ElementType.Size();
        }

        if (first is not null)
        {
            _predictor.CheckInput(first.Geometry, channels, null, first.Path);
            _ = _predictor.EstimateMemory(first.Geometry, Math.Min(inMemory, _predictor.BudgetBytes / 2));
            if (_cascade is not null)
            {
                _cascade.Coarse.CheckInput(first.Geometry, channels, null, first.Path);
                _ = _cascade.Coarse.EstimateMemory(first.Geometry, Math.Min(inMemory, _predictor.BudgetBytes / 2));
            }
        }
    }

    /// <summary>Reads an input: uncompressed files mapped in place (pages are released as the prediction passes), others decoded into RAM, or into a mapped scratch file when large.</summary>
    private Image Read(string input)
    {
        if (Directory.Exists(input))
        {
            return _folderReader is null
                ? throw new MedVoxException("is a folder; reading DICOM folders needs the medvox command line", input)
                : _folderReader(input);
        }

        var options = new ImageReadOptions
        {
            MapInPlace = true,
            Allocation = new AllocationOptions { MemoryLimitBytes = _predictor.BudgetBytes / 2, ScratchDirectory = _predictor.Options.ScratchDirectory },
        };
        return ImageFile.Read(input, options);
    }

    private string EndingFor(PredictionCase predictionCase)
    {
        if (_ending is not null)
        {
            return _ending;
        }

        string first = predictionCase.Inputs[0];
        if (File.Exists(first) && ImageFile.FindFormat(first) is not null)
        {
            string name = Path.GetFileName(first);
            return name[PredictionCases.Stem(first).Length..];
        }

        return ".nii.gz";
    }
}
