using MedVox.Learning.Losses;
using MedVox.Learning.Networks;
using MedVox.Learning.Runtime;
using MedVox.Learning.Training;
using static TorchSharp.torch;

namespace MedVox.Slides.Models;

/// <summary>Trains a <see cref="SlideModel"/> on slides with tumour masks (soft Dice + cross-entropy, AdamW, poly schedule) and saves it.</summary>
public static class SlideTrainer
{
    public static SlideModel Train(IReadOnlyList<(string Slide, string Mask)> pairs, SlideTrainingOptions options, string? outputFolder = null,
        UNetConfig? network = null, IProgress<TrainingProgress>? progress = null, Device? device = null, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(pairs);
        ArgumentNullException.ThrowIfNull(options);
        TorchRuntime.EnsureLoaded();
        network ??= SlideModel.DefaultNetwork;
        int stride = network.TotalStride().Max();
        if (options.PatchSize < stride || options.PatchSize % stride != 0)
        {
            throw new MedVoxException($"patch size {options.PatchSize} is not a multiple of the network's total stride {stride}", field: "--patch");
        }

        if (options.Iterations < 1 || options.BatchSize < 1)
        {
            throw new MedVoxException("iterations and batch size must be at least 1", field: "--iterations");
        }

        using var source = new SlidePatchSource(pairs, options, cancellation);
        var info = new SlideModelInfo
        {
            Network = network,
            Level = options.Level,
            Downsample = source.Downsample,
            MicronsPerPixel = source.MicronsPerPixel,
            PatchSize = options.PatchSize,
            Iterations = options.Iterations,
            TrainingSlides = [.. pairs.Select(p => Path.GetFileName(p.Slide))],
        };
        var model = TorchRuntime.CreateSeeded(options.Seed, () => new SlideModel(info, device));
        try
        {
            var trainingOptions = new TrainingOptions
            {
                Iterations = options.Iterations,
                Optimizer = OptimizerKind.AdamW,
                LearningRate = options.LearningRate,
                WeightDecay = 1e-4,
                Seed = options.Seed,
            };
            using (var trainer = new Trainer(model.Network, Loss, trainingOptions, model.Device))
            {
                trainer.Run(source, checkpointFolder: null, progress, cancellation: cancellation);
                info = info with { FinalLoss = trainer.LastLoss };
            }

            model.Network.eval();
            if (outputFolder is not null)
            {
                model.Save(outputFolder, info);
            }

            return model;
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    private static Tensor Loss(nn.Module network, TrainingBatch batch)
    {
        using var loss = new DiceCrossEntropyLoss(batchDice: true);
        return loss.forward(((UNet)network).forward(batch.Images), batch.Labels);
    }
}
