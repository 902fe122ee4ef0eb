using MedVox.Learning.Training;
using static TorchSharp.torch;

namespace MedVox.Learning.Tests.Training;

/// <summary>
/// Deterministic 2D segmentation batches: a bright disk (label 1) and a darker square (label 2) at random places on
/// noise. Batch k depends only on the seed and k, so the state to save is the batch counter.
/// </summary>
internal sealed class ShapesBatchSource(int seed, int batchSize = 4, int size = 32) : IBatchSource
{
    public long Drawn { get; private set; }

    public TrainingBatch Next(CancellationToken cancellation)
    {
        var random = new Random(HashCode.Combine(seed, Drawn++));
        var images = new float[batchSize * size * size];
        var labels = new long[batchSize * size * size];
        for (int n = 0; n < batchSize; n++)
        {
            double cx = random.Next(8, size - 8), cy = random.Next(8, size - 8), r = random.Next(3, 7);
            int sx = random.Next(2, size - 8), sy = random.Next(2, size - 8);
            for (int y = 0; y < size; y++)
            {
                for (int x = 0; x < size; x++)
                {
                    int i = (n * size * size) + (y * size) + x;
                    float value = (float)(random.NextDouble() - 0.5);
                    long label = 0;
                    if (x >= sx && x < sx + 6 && y >= sy && y < sy + 6)
                    {
                        value += 1.0f;
                        label = 2;
                    }

                    if (((x - cx) * (x - cx)) + ((y - cy) * (y - cy)) <= r * r)
                    {
                        value += 2.0f;
                        label = 1;
                    }

                    images[i] = value;
                    labels[i] = label;
                }
            }
        }

        return new TrainingBatch(
            tensor(images, [batchSize, 1, size, size]).DetachFromDisposeScope(),
            tensor(labels, [batchSize, size, size]).DetachFromDisposeScope());
    }

    public byte[] SaveState() => BitConverter.GetBytes(Drawn);

    public void RestoreState(byte[] state) => Drawn = BitConverter.ToInt64(state);
}
