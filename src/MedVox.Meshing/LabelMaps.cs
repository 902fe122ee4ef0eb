using System.Runtime.ExceptionServices;
using MedVox.Imaging;

namespace MedVox.Meshing;

/// <summary>Checks shared by everything that reads label maps.</summary>
internal static class LabelMaps
{
    /// <summary>A label map for meshing is one scalar 3D volume.</summary>
    public static void Require(Image labels, string? file)
    {
        ArgumentNullException.ThrowIfNull(labels);
        if (labels.Size.Rank == 2)
        {
            throw new MedVoxException($"is a 2D image ({labels.Size}); surfaces need a 3D label map", file,
                hint: "mesh a 3D segmentation (a stack of slices)");
        }

        if (labels.Size.T != 1)
        {
            throw new MedVoxException($"is a 4D image ({labels.Size}); surfaces need one 3D label map", file,
                hint: "split the series and mesh one volume at a time");
        }

        if (labels.Channels != 1)
        {
            throw new MedVoxException($"has {labels.Channels} channels per voxel; a label map has one", file,
                hint: "mesh a single-channel segmentation");
        }
    }

    /// <summary>Parallel.For that rethrows a MedVoxException raised inside as itself, not wrapped in an AggregateException.</summary>
    public static void ParallelFor(int count, Action<int> body)
    {
        try
        {
            Parallel.For(0, count, body);
        }
        catch (AggregateException ex) when (ex.InnerExceptions.FirstOrDefault(e => e is MedVoxException) is { } inner)
        {
            ExceptionDispatchInfo.Capture(inner).Throw();
        }
    }
}
