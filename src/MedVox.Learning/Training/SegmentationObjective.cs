using MedVox.Learning.Losses;
using MedVox.Learning.Networks;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace MedVox.Learning.Training;

/// <summary>
/// The loss a segmentation U-Net is trained with (nnU-Net's): soft Dice over the foreground classes plus
/// cross-entropy, summed over the deep-supervision outputs against labels downsampled to each resolution when the
/// network has them. <see cref="Compute"/> is the trainer's loss function.
/// </summary>
public sealed class SegmentationObjective : IDisposable
{
    private readonly DiceCrossEntropyLoss _dice;
    private readonly DeepSupervisionLoss _deep;

    public SegmentationObjective(bool batchDice = false)
    {
        _dice = new DiceCrossEntropyLoss(batchDice);
        _deep = new DeepSupervisionLoss(_dice);
    }

    /// <summary>Forward pass of <paramref name="network"/> (a <see cref="UNet"/>) on the batch, and its loss.</summary>
    public Tensor Compute(Module network, TrainingBatch batch)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(batch);
        var unet = network as UNet ?? throw new ArgumentException("The segmentation objective trains a UNet.", nameof(network));
        if (unet.Config.DeepSupervision)
        {
            using var scope = NewDisposeScope();
            var outputs = unet.ForwardAll(batch.Images);
            return _deep.forward(outputs, batch.Labels).MoveToOuterDisposeScope();
        }

        using (var scope = NewDisposeScope())
        {
            return _dice.forward(unet.forward(batch.Images), batch.Labels).MoveToOuterDisposeScope();
        }
    }

    public void Dispose()
    {
        _deep.Dispose();
        _dice.Dispose();
    }
}
