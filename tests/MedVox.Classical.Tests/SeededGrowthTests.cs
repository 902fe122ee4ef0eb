using MedVox.Classical.Abdomen;
using MedVox.Geometry;
using MedVox.Imaging;

namespace MedVox.Classical.Tests;

public class SeededGrowthTests
{
    [Fact]
    public void CompetingSeedsMeetHalfWay()
    {
        // A bar of 11 voxels with seeds at both ends: each takes the voxels nearer to it; the middle one goes to the
        // first label to reach it (label order within a step), and a detached voxel stays unassigned.
        var mask = new BinaryMask(new ImageGeometry(ImageSize.Of3D(13, 1, 1)));
        mask.Voxels.AsSpan(0, 11).Fill(1);
        mask.Voxels[12] = 1;
        var labels = new byte[13];
        labels[0] = 1;
        labels[10] = 2;
        SeededGrowth.Grow(labels, mask);
        Assert.Equal([1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 0, 0], labels);
    }

    [Fact]
    public void BandedGrowthStaysInItsBandAndReach()
    {
        // Values rise along the row; label 1 may take 0-50 within its reach (x <= 6), label 2 may take 40-100 anywhere.
        int n = 12;
        var values = new float[n];
        for (int i = 0; i < n; i++)
        {
            values[i] = i * 10;
        }

        var labels = new byte[n];
        labels[0] = 1;
        labels[n - 1] = 2;
        var reach = new byte[n];
        for (int i = 0; i < n; i++)
        {
            reach[i] = (byte)((i <= 6 ? 1 : 0) | 2);
        }

        SeededGrowth.GrowBanded(labels, values, [0, 0, 40], [0, 50, 100], reach, n, 1, 1);
        Assert.Equal([1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2], labels);
    }
}
