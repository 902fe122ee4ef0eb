using MedVox.Classical;
using MedVox.Geometry;

namespace MedVox.Evaluation.Segmentation;

/// <summary>
/// Compares the prediction and reference mask of one label inside their joint bounding box (outside it both are
/// background, so boundaries and distances are the same as over the whole image, as with MONAI's cropping). The box
/// is one byte per voxel with bit flags, x fastest.
/// </summary>
internal static class SurfaceComparison
{
    public const byte Prediction = 1;
    public const byte Reference = 2;
    public const byte PredictionEdge = 4;
    public const byte ReferenceEdge = 8;

    /// <summary>Everything about one label: counts from the extraction, boundaries and distances from the box.</summary>
    public static SegmentationMetrics Compare(
        byte[] box, int nx, int ny, int nz, Vector3D spacing, bool threeD,
        long truePositives, long predictionVoxels, long referenceVoxels,
        double tolerance, SegmentationOptions options)
    {
        double voxelVolume = spacing.X * spacing.Y * spacing.Z;
        bool decathlon = options.EmptyMasks == EmptyMaskConvention.Decathlon;
        long union = predictionVoxels + referenceVoxels - truePositives;
        double dice, iou;
        if (referenceVoxels == 0 && options.EmptyMasks == EmptyMaskConvention.Monai)
        {
            (dice, iou) = (double.NaN, double.NaN);
        }
        else if (union == 0)
        {
            (dice, iou) = decathlon ? (1, 1) : (double.NaN, double.NaN);
        }
        else
        {
            dice = 2.0 * truePositives / (predictionVoxels + referenceVoxels);
            iou = (double)truePositives / union;
        }

        double referenceVolume = referenceVoxels * voxelVolume, predictionVolume = predictionVoxels * voxelVolume;
        var metrics = new SegmentationMetrics
        {
            Dice = dice,
            Iou = iou,
            SurfaceTolerance = tolerance,
            ReferenceVolume = referenceVolume,
            PredictionVolume = predictionVolume,
            VolumeDifference = predictionVolume - referenceVolume,
            RelativeVolumeDifference = referenceVoxels == 0 ? double.NaN : (predictionVolume - referenceVolume) / referenceVolume,
            ReferenceVoxels = referenceVoxels,
            PredictionVoxels = predictionVoxels,
            TruePositiveVoxels = truePositives,
        };

        if (predictionVoxels == 0 && referenceVoxels == 0)
        {
            return metrics with
            {
                HausdorffDistance = double.NaN,
                HausdorffDistance95 = double.NaN,
                AverageSymmetricSurfaceDistance = double.NaN,
                NormalizedSurfaceDice = decathlon ? 1 : double.NaN,
            };
        }

        var (predictionEdges, referenceEdges) = MarkEdges(box, nx, ny, nz, threeD);
        long predictionEdgeCount = Sum(predictionEdges), referenceEdgeCount = Sum(referenceEdges);
        metrics = metrics with { PredictionSurfaceVoxels = predictionEdgeCount, ReferenceSurfaceVoxels = referenceEdgeCount };
        if (predictionVoxels == 0 || referenceVoxels == 0)
        {
            double missing = options.MissingSurfaceDistance;
            return metrics with
            {
                HausdorffDistance = missing,
                HausdorffDistance95 = missing,
                AverageSymmetricSurfaceDistance = missing,
                NormalizedSurfaceDice = 0,
            };
        }

        var squared = GC.AllocateUninitializedArray<double>(box.Length);
        EuclideanDistanceTransform.ComputeSquared(box, nx, ny, nz, spacing, squared, ReferenceEdge);
        var predictionToReference = Sample(squared, box, nx, ny, nz, PredictionEdge, predictionEdges);
        EuclideanDistanceTransform.ComputeSquared(box, nx, ny, nz, spacing, squared, PredictionEdge);
        var referenceToPrediction = Sample(squared, box, nx, ny, nz, ReferenceEdge, referenceEdges);

        double sum = 0, max = 0;
        long within = 0;
        foreach (var distances in (ReadOnlySpan<double[]>)[predictionToReference, referenceToPrediction])
        {
            foreach (double d in distances)
            {
                sum += d;
                max = Math.Max(max, d);
                within += d <= tolerance ? 1 : 0;
            }
        }

        long all = predictionToReference.Length + referenceToPrediction.Length;
        return metrics with
        {
            HausdorffDistance = max,
            HausdorffDistance95 = Math.Max(Percentile(predictionToReference, 95), Percentile(referenceToPrediction, 95)),
            AverageSymmetricSurfaceDistance = sum / all,
            NormalizedSurfaceDice = (double)within / all,
        };
    }

    /// <summary>
    /// The <paramref name="percentile"/>-th percentile with numpy's default linear interpolation (and its rounding:
    /// interpolated from the upper neighbour when the fraction is at least one half). Sorts <paramref name="values"/>.
    /// </summary>
    public static double Percentile(double[] values, double percentile)
    {
        if (values.Length == 0)
        {
            return double.NaN;
        }

        Array.Sort(values);
        double position = percentile / 100 * (values.Length - 1);
        int below = (int)Math.Floor(position);
        int above = Math.Min(below + 1, values.Length - 1);
        double t = position - below;
        double a = values[below], b = values[above];
        double difference = b - a;
        return t >= 0.5 ? b - (difference * (1 - t)) : a + (difference * t);
    }

    /// <summary>
    /// Sets the edge bits: foreground voxels with a face neighbour that is background or outside the box (and so
    /// outside the mask). Returns the edge count per slice of prediction and reference.
    /// </summary>
    public static (long[] Prediction, long[] Reference) MarkEdges(byte[] box, int nx, int ny, int nz, bool threeD)
    {
        var predictionCounts = new long[nz];
        var referenceCounts = new long[nz];
        var empty = new byte[nx];
        int slice = nx * ny;
        Parallel.For(0, nz, z =>
        {
            long predictionEdges = 0, referenceEdges = 0;
            for (int y = 0; y < ny; y++)
            {
                int offset = (z * slice) + (y * nx);
                var row = box.AsSpan(offset, nx);
                ReadOnlySpan<byte> up = y > 0 ? box.AsSpan(offset - nx, nx) : empty;
                ReadOnlySpan<byte> down = y < ny - 1 ? box.AsSpan(offset + nx, nx) : empty;
                ReadOnlySpan<byte> front, back;
                if (threeD)
                {
                    front = z > 0 ? box.AsSpan(offset - slice, nx) : empty;
                    back = z < nz - 1 ? box.AsSpan(offset + slice, nx) : empty;
                }
                else
                {
                    front = row;
                    back = row;
                }

                for (int x = 0; x < nx; x++)
                {
                    int inside = row[x] & (Prediction | Reference);
                    if (inside == 0)
                    {
                        continue;
                    }

                    int left = x > 0 ? row[x - 1] : 0;
                    int right = x < nx - 1 ? row[x + 1] : 0;
                    int neighbours = left & right & up[x] & down[x] & front[x] & back[x];
                    int edges = inside & ~neighbours;
                    if (edges != 0)
                    {
                        row[x] = (byte)(row[x] | (edges << 2));
                        predictionEdges += edges & Prediction;
                        referenceEdges += (edges & Reference) >> 1;
                    }
                }
            }

            predictionCounts[z] = predictionEdges;
            referenceCounts[z] = referenceEdges;
        });
        return (predictionCounts, referenceCounts);
    }

    /// <summary>The distances (mm) at the voxels carrying <paramref name="bit"/>, slice by slice in parallel.</summary>
    private static double[] Sample(double[] squared, byte[] box, int nx, int ny, int nz, byte bit, long[] perSlice)
    {
        var starts = new long[nz + 1];
        for (int z = 0; z < nz; z++)
        {
            starts[z + 1] = starts[z] + perSlice[z];
        }

        var distances = new double[starts[nz]];
        int slice = nx * ny;
        Parallel.For(0, nz, z =>
        {
            if (perSlice[z] == 0)
            {
                return;
            }

            var flags = box.AsSpan(z * slice, slice);
            var values = squared.AsSpan(z * slice, slice);
            var target = distances.AsSpan((int)starts[z], (int)perSlice[z]);
            int next = 0;
            for (int i = 0; i < flags.Length; i++)
            {
                if ((flags[i] & bit) != 0)
                {
                    target[next++] = Math.Sqrt(values[i]);
                }
            }
        });
        return distances;
    }

    private static long Sum(long[] values)
    {
        long total = 0;
        foreach (long v in values)
        {
            total += v;
        }

        return total;
    }
}
