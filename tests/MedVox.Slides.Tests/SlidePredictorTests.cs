using System.Text.Json;
using MedVox.Slides.Models;
using MedVox.Slides.Synthetic;
using MedVox.Testing;
using static TorchSharp.torch;

namespace MedVox.Slides.Tests;

public class SlidePredictorTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>
    /// The acceptance check at test size: a model trained on two synthetic slides finds the tumour of a third (other
    /// seed) with Dice above 0.8 against the phantom's exact mask, processing it tile by tile with blended overlaps.
    /// </summary>
    [Fact]
    public void ModelTrainedOnOtherSlidesFindsTheTumour()
    {
        using var folder = TestData.CreateTempFolder();
        var phantom = new SlidePhantomOptions { Width = 2048, Height = 1536, TileSize = 256 };
        var pairs = new List<(string, string)>();
        for (int seed = 1; seed <= 3; seed++)
        {
            var result = SlidePhantom.Generate(folder.File($"s{seed}.tiff"), phantom with { Seed = seed }, cancellation: Ct);
            pairs.Add((result.SlidePath, result.MaskPath));
        }

        using var model = SlideTrainer.Train(pairs[..2], new SlideTrainingOptions { Level = 1, PatchSize = 128, BatchSize = 8, Iterations = 100 }, folder.File("model"), cancellation: Ct);
        using var loaded = SlideModel.Load(folder.File("model"));

        var prediction = SlidePredictor.Run(loaded, "model", pairs[2].Item1, folder.File("out"),
            new SlidePredictionOptions { TileSize = 256, Overlap = 32, TruthMask = pairs[2].Item2 }, cancellation: Ct);

        Assert.Equal(1, prediction.Level);
        Assert.True(prediction.Dice > 0.8, $"Dice {prediction.Dice:F3}");
        Assert.InRange(prediction.TissueTiles, 1, prediction.Tiles - 1);
        Assert.True(File.Exists(prediction.HeatmapPath));
        Assert.Equal(0.0 + prediction.TumourPixels, prediction.TumourAreaMm2!.Value * 1e6, 6);
        using var summary = JsonDocument.Parse(File.ReadAllText(folder.File("out/summary.json")));
        Assert.Equal(prediction.Dice!.Value, summary.RootElement.GetProperty("Dice").GetDouble(), 12);
    }

    /// <summary>An interrupted run continues from the tiles it wrote and ends with the output of an uninterrupted run.</summary>
    [Fact]
    public void AnInterruptedRunResumesToTheSameOutput()
    {
        using var folder = TestData.CreateTempFolder();
        var slide = SlidePhantom.Generate(folder.File("s.tiff"), new SlidePhantomOptions { Width = 1536, Height = 1280, TileSize = 256, Seed = 5 }, cancellation: Ct);
        manual_seed(3);
        using var model = new SlideModel(new SlideModelInfo { Network = SlideModel.DefaultNetwork, Level = 1, Downsample = 2, MicronsPerPixel = 1 });
        var options = new SlidePredictionOptions { Level = 1, TileSize = 64, Overlap = 16, BatchSize = 1 };

        var straight = SlidePredictor.Run(model, "m", slide.SlidePath, folder.File("straight"), options, cancellation: Ct);

        var stopped = SlidePredictor.Run(model, "m", slide.SlidePath, folder.File("resumed"), options with { StopAfterWindows = straight.TilesProcessed / 2 }, cancellation: Ct);
        Assert.False(stopped.Complete);
        Assert.False(File.Exists(folder.File("resumed/probability.tiff")));
        Assert.True(File.Exists(stopped.ProbabilityPath));

        var resumed = SlidePredictor.Run(model, "m", slide.SlidePath, folder.File("resumed"), options, cancellation: Ct);
        Assert.True(resumed.TilesResumed > 0, "nothing was resumed");
        Assert.True(resumed.TilesProcessed < straight.TilesProcessed, $"{resumed.TilesProcessed} windows run again of {straight.TilesProcessed}");
        Assert.Equal(straight.TumourPixels, resumed.TumourPixels);

        using var a = SlideFile.Open(straight.ProbabilityPath);
        using var b = SlideFile.Open(resumed.ProbabilityPath);
        var info = a.Levels[0];
        var pa = new byte[info.Width * info.Height];
        var pb = new byte[pa.Length];
        a.ReadRegion(0, 0, 0, (int)info.Width, (int)info.Height, pa);
        b.ReadRegion(0, 0, 0, (int)info.Width, (int)info.Height, pb);
        Assert.True(pa.AsSpan().SequenceEqual(pb), $"{pa.Zip(pb).Count(p => p.First != p.Second)} pixels differ");
    }

    [Fact]
    public void ParametersThatCannotWorkAreRefusedBeforeAnyWork()
    {
        using var folder = TestData.CreateTempFolder();
        var slide = SlidePhantom.Generate(folder.File("s.tiff"), new SlidePhantomOptions { Width = 512, Height = 512, TileSize = 256, Seed = 5 }, cancellation: Ct);
        using var model = new SlideModel(new SlideModelInfo { Network = SlideModel.DefaultNetwork });

        var stride = Assert.Throws<MedVoxException>(() => SlidePredictor.Run(model, "m", slide.SlidePath, folder.File("o"), new SlidePredictionOptions { TileSize = 256, Overlap = 3 }, cancellation: Ct));
        Assert.Contains("not a multiple of the model's total stride 8", stride.Message, StringComparison.Ordinal);
        var level = Assert.Throws<MedVoxException>(() => SlidePredictor.Run(model, "m", slide.SlidePath, folder.File("o"), new SlidePredictionOptions { Level = 4 }, cancellation: Ct));
        Assert.Contains("level 4 is out of range", level.Message, StringComparison.Ordinal);
        var mask = Assert.Throws<MedVoxException>(() => SlidePredictor.Run(model, "m", slide.MaskPath, folder.File("o"), new SlidePredictionOptions(), cancellation: Ct));
        Assert.Contains("not RGB", mask.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(folder.File("o/probability.tiff")));
    }
}
