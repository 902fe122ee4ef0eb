using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using System.Threading.Channels;

namespace MedVox.Slides.Models;

/// <summary>
/// Runs a <see cref="SlideModel"/> over a whole slide in bounded memory. Tissue is found on a low-resolution overview
/// and glass is skipped. Windows of tile + 2 × overlap pixels are read by background workers in row order, batched
/// through the model, and blended (pixels the tissue mask calls glass are set to 0): in the 2 × overlap strip shared by two neighbouring windows each one's weight ramps
/// linearly from 1 to 0, so the weights sum to one (a skipped glass window contributes probability 0). An output tile
/// is final once the window row below it is done; it is then written straight into the probability pyramid (8-bit,
/// 255 = certain tumour) and its accumulator freed, so at most three rows of tiles are held. The pyramid is written
/// under a temporary name with a journal: an interrupted run continues from the tiles already written, and the
/// target name only ever holds a complete pyramid. At the end: a heatmap PNG and summary.json.
/// </summary>
public static class SlidePredictor
{
    public const string ProbabilityFile = "probability.tiff";
    public const string HeatmapFile = "heatmap.png";
    public const string SummaryFile = "summary.json";

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    public static SlidePredictionResult Run(SlideModel model, string modelName, string slidePath, string outputFolder, SlidePredictionOptions options,
        IProgress<SlidePredictionProgress>? progress = null, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentException.ThrowIfNullOrEmpty(slidePath);
        ArgumentException.ThrowIfNullOrEmpty(outputFolder);
        ArgumentNullException.ThrowIfNull(options);
        var clock = Stopwatch.StartNew();
        using var slide = SlideFile.Open(slidePath, options.CacheBytes);
        if (slide.Channels != 3)
        {
            throw new MedVoxException("the slide is not RGB (a mask or a grey image?)", slidePath);
        }

        int level = options.Level ?? MatchLevel(slide, model.Info);
        var info = slide.Level(level);
        int t = options.TileSize, o = options.Overlap, window = t + (2 * o);
        if (t < 16 || t % 16 != 0 || t > 4096)
        {
            throw new MedVoxException($"tile size {t} must be a multiple of 16 from 16 to 4096", field: "--tile");
        }

        if (o < 0 || 2 * o > t)
        {
            throw new MedVoxException($"overlap {o} must be between 0 and half the tile ({t / 2})", field: "--overlap");
        }

        if (window % model.Stride != 0)
        {
            throw new MedVoxException($"tile + 2 x overlap = {window} is not a multiple of the model's total stride {model.Stride}", field: "--overlap", hint: $"use an overlap that makes it one (e.g. {o + ((model.Stride - (window % model.Stride)) / 2)})");
        }

        if (options.BatchSize < 1 || options.ReadWorkers < 1)
        {
            throw new MedVoxException("batch size and read workers must be at least 1", field: "--batch");
        }

        if (info.Width > int.MaxValue || info.Height > int.MaxValue)
        {
            throw new MedVoxException($"level {level} is {info.Width}x{info.Height} pixels, beyond what one pyramid holds", slidePath, "--level");
        }

        double? levelMpp = slide.MicronsPerPixel is { } mpp ? mpp.X * info.Downsample : null;
        string? warning = ResolutionMismatch(model.Info, levelMpp, level);
        Directory.CreateDirectory(outputFolder);
        string probabilityPath = Path.Combine(outputFolder, ProbabilityFile);
        var tissue = TissueMask.Detect(slide, cancellation);

        int width = (int)info.Width, height = (int)info.Height;
        int columns = (width + t - 1) / t, rows = (height + t - 1) / t;
        var windows = new List<(int Column, int Row)>();
        using var writer = PyramidTiffWriter.Create(probabilityPath, width, height, 1, new PyramidWriterOptions
        {
            TileSize = t,
            Compression = TileCompression.Deflate,
            MicronsPerPixel = levelMpp,
            Description = $"MedVox tumour probability (255 = 1) of {Path.GetFileName(slidePath)}, level {level}, model {modelName}",
            Resumable = options.Resume,
            ResumeKey = ResumeKey(slidePath, model, level, t, o),
        });

        // Resume from the first output row with a missing tile; the window row above it is recomputed for its strip.
        int firstRow = 0;
        while (firstRow < rows && RowWritten(writer, firstRow, columns))
        {
            firstRow++;
        }

        int resumed = writer.TilesWritten;
        for (int r = Math.Max(0, firstRow - 1); r < rows; r++)
        {
            for (int c = 0; c < columns; c++)
            {
                double x0 = ((c * (double)t) - o) * info.Downsample, y0 = ((r * (double)t) - o) * info.Downsample;
                if (tissue.AnyTissue(x0, y0, window * info.Downsample, window * info.Downsample))
                {
                    windows.Add((c, r));
                }
            }
        }

        int tissueWindows = CountTissueWindows(tissue, info, columns, rows, t, o, window);
        int limit = Math.Min(windows.Count, options.StopAfterWindows ?? int.MaxValue);
        var blender = new TileBlender(writer, t, o, columns, rows, firstRow, tissue, info.Downsample);
        int done = 0;
        var runClock = Stopwatch.StartNew();
        using (var cancelReading = CancellationTokenSource.CreateLinkedTokenSource(cancellation))
        {
            var batches = Channel.CreateBounded<WindowBatch>(new BoundedChannelOptions(2) { SingleReader = true, SingleWriter = true });
            var producer = Task.Run(() => ReadWindows(slide, level, windows, limit, t, o, window, options, batches.Writer, cancelReading.Token), cancelReading.Token);
            try
            {
                while (batches.Reader.WaitToReadAsync(cancellation).AsTask().GetAwaiter().GetResult())
                {
                    while (batches.Reader.TryRead(out var batch))
                    {
                        var probabilities = model.PredictProbability(batch.Rgb, batch.Count, window);
                        for (int i = 0; i < batch.Count; i++)
                        {
                            var (column, row) = windows[batch.First + i];
                            blender.Add(column, row, probabilities.AsSpan(i * window * window, window * window));
                        }

                        done += batch.Count;
                        int nextRow = batch.First + batch.Count < limit ? windows[batch.First + batch.Count].Row : (limit < windows.Count ? windows[limit].Row : rows + 1);
                        blender.FlushRowsBefore(nextRow - 1);
                        double rate = done / Math.Max(runClock.Elapsed.TotalSeconds, 1e-9);
                        progress?.Report(new SlidePredictionProgress(done, limit, rate, runClock.Elapsed, rate > 0 ? TimeSpan.FromSeconds((limit - done) / rate) : null));
                    }
                }

                producer.GetAwaiter().GetResult();
            }
            catch
            {
                cancelReading.Cancel();
                try
                {
                    producer.Wait(TimeSpan.FromSeconds(30));
                }
                catch (AggregateException)
                {
                    // The reader stopped because the run did; the first failure is the one reported.
                }

                throw;
            }
        }

        double seconds = runClock.Elapsed.TotalSeconds;
        bool complete = limit == windows.Count;
        var soFar = new SlidePredictionResult
        {
            Slide = slidePath,
            Model = modelName,
            Level = level,
            Width = width,
            Height = height,
            Downsample = info.Downsample,
            MicronsPerPixel = levelMpp,
            TileSize = t,
            Overlap = o,
            Tiles = columns * rows,
            TissueTiles = tissueWindows,
            TilesProcessed = done,
            TilesResumed = resumed,
            Seconds = clock.Elapsed.TotalSeconds,
            TilesPerSecond = done / Math.Max(seconds, 1e-9),
            ProbabilityPath = writer.PartialPath,
            Warning = warning,
        };
        if (!complete)
        {
            // An interruption: the partial pyramid and its journal stay for the next run.
            return soFar with { Complete = false };
        }

        blender.FlushRowsBefore(rows);
        writer.Commit(cancellation: cancellation);
        var (tumourPixels, dice) = SlideMetrics.Score(probabilityPath, options.TruthMask, cancellation);
        string heatmapPath = Path.Combine(outputFolder, HeatmapFile);
        Heatmap.Write(slide, probabilityPath, heatmapPath, cancellation);
        var result = soFar with
        {
            TumourPixels = tumourPixels,
            TumourAreaMm2 = levelMpp is { } m ? tumourPixels * (m / 1000) * (m / 1000) : null,
            Seconds = clock.Elapsed.TotalSeconds,
            PeakMemoryBytes = Process.GetCurrentProcess().PeakWorkingSet64,
            Dice = dice,
            ProbabilityPath = probabilityPath,
            HeatmapPath = heatmapPath,
        };
        File.WriteAllText(Path.Combine(outputFolder, SummaryFile), JsonSerializer.Serialize(result, Json));
        return result;
    }

    /// <summary>The level whose microns per pixel is nearest the model's, or the model's level when either lacks a scale.</summary>
    public static int MatchLevel(SlideReader slide, SlideModelInfo model)
    {
        ArgumentNullException.ThrowIfNull(slide);
        ArgumentNullException.ThrowIfNull(model);
        if (slide.MicronsPerPixel is { } mpp && model.MicronsPerPixel is { } target)
        {
            int best = 0;
            for (int i = 1; i < slide.LevelCount; i++)
            {
                if (Math.Abs(Math.Log(mpp.X * slide.Levels[i].Downsample / target)) < Math.Abs(Math.Log(mpp.X * slide.Levels[best].Downsample / target)))
                {
                    best = i;
                }
            }

            return best;
        }

        return Math.Min(model.Level, slide.LevelCount - 1);
    }

    private static string? ResolutionMismatch(SlideModelInfo model, double? levelMpp, int level) =>
        levelMpp is { } have && model.MicronsPerPixel is { } want && Math.Abs(Math.Log(have / want)) > Math.Log(1.25)
            ? string.Create(CultureInfo.InvariantCulture, $"level {level} has {have:G3} um/pixel, the model was trained at {want:G3} um/pixel")
            : null;

    private static bool RowWritten(PyramidTiffWriter writer, int row, int columns)
    {
        for (int c = 0; c < columns; c++)
        {
            if (!writer.HasTile(c, row))
            {
                return false;
            }
        }

        return true;
    }

    private static int CountTissueWindows(TissueMask tissue, SlideLevel info, int columns, int rows, int t, int o, int window)
    {
        int count = 0;
        for (int r = 0; r < rows; r++)
        {
            for (int c = 0; c < columns; c++)
            {
                if (tissue.AnyTissue(((c * (double)t) - o) * info.Downsample, ((r * (double)t) - o) * info.Downsample, window * info.Downsample, window * info.Downsample))
                {
                    count++;
                }
            }
        }

        return count;
    }

    /// <summary>Identifies the inputs of a run: a partial output made with other inputs is never continued.</summary>
    private static string ResumeKey(string slidePath, SlideModel model, int level, int t, int o)
    {
        var file = new FileInfo(slidePath);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var parameter in model.Network.parameters())
        {
            using var cpu = parameter.detach().cpu().contiguous();
            hash.AppendData(System.Runtime.InteropServices.MemoryMarshal.AsBytes(cpu.data<float>().ToArray().AsSpan()));
        }

        return string.Create(CultureInfo.InvariantCulture,
            $"{file.FullName} {file.Length} {file.LastWriteTimeUtc:O} level {level} tile {t} overlap {o} model {Convert.ToHexString(hash.GetHashAndReset())}");
    }

    private static async Task ReadWindows(SlideReader slide, int level, List<(int Column, int Row)> windows, int limit, int t, int o, int window,
        SlidePredictionOptions options, ChannelWriter<WindowBatch> output, CancellationToken cancellation)
    {
        try
        {
            int bytes = window * window * 3;
            for (int first = 0; first < limit; first += options.BatchSize)
            {
                int count = Math.Min(options.BatchSize, limit - first);
                var rgb = new byte[count * bytes];
                var parallel = new ParallelOptions { MaxDegreeOfParallelism = options.ReadWorkers, CancellationToken = cancellation };
                Parallel.For(0, count, parallel, i =>
                {
                    var (column, row) = windows[first + i];
                    slide.ReadRegion(level, ((long)column * t) - o, ((long)row * t) - o, window, window, rgb.AsSpan(i * bytes, bytes));
                });
                await output.WriteAsync(new WindowBatch(first, count, rgb), cancellation).ConfigureAwait(false);
            }

            output.Complete();
        }
        catch (Exception ex)
        {
            output.Complete(ex);
            throw;
        }
    }

    private sealed record WindowBatch(int First, int Count, byte[] Rgb);
}
