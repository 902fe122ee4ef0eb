using System.Globalization;
using System.Text.Json;
using MedVox.Evaluation.Segmentation;
using MedVox.Geometry;
using MedVox.Imaging;
using MedVox.Testing;

namespace MedVox.Evaluation.Tests.Segmentation;

/// <summary>
/// Random blobs compared with the same definitions written in numpy/scipy, as MONAI computes them: boundary =
/// <c>binary_erosion(m) ^ m</c>, distances = <c>distance_transform_edt(~edges, sampling=spacing)[other_edges]</c>,
/// HD95 = max of the two directed <c>np.percentile(d, 95)</c>, ASSD = mean of both sets together, NSD = counted
/// boundary voxels within the tolerance.
/// </summary>
public class ScipyOracleTests
{
    private const string Script = """
        import sys, json, numpy as np
        from scipy.ndimage import binary_erosion, distance_transform_edt
        folder = sys.argv[1]
        nx, ny, nz = (int(v) for v in sys.argv[2:5])
        sx, sy, sz = (float(v) for v in sys.argv[5:8])
        planar = sys.argv[8] == '1'
        tolerances = [float(v) for v in sys.argv[9:]]
        shape, sampling = ((ny, nx), (sy, sx)) if planar else ((nz, ny, nx), (sz, sy, sx))
        p = np.fromfile(folder + '/prediction.raw', np.uint8).reshape(shape).astype(bool)
        g = np.fromfile(folder + '/reference.raw', np.uint8).reshape(shape).astype(bool)
        ep, eg = binary_erosion(p) ^ p, binary_erosion(g) ^ g
        def directed(a, b):
            return distance_transform_edt(~b, sampling=sampling)[a]
        dpg, dgp = directed(ep, eg), directed(eg, ep)
        both = np.concatenate([dpg, dgp])
        tp = int((p & g).sum())
        result = {
            'dice': 2 * tp / (int(p.sum()) + int(g.sum())),
            'iou': tp / int((p | g).sum()),
            'hd': float(max(dpg.max(), dgp.max())),
            'hd95': float(max(np.percentile(dpg, 95), np.percentile(dgp, 95))),
            'assd': float(both.mean()),
            'nsd': [float(((dpg <= t).sum() + (dgp <= t).sum()) / both.size) for t in tolerances],
            'prediction_edges': int(ep.sum()),
            'reference_edges': int(eg.sum()),
        }
        print(json.dumps(result))
        """;

    [Theory]
    [InlineData(1, 40, 34, 22, 0.7, 1.1, 2.5)]
    [InlineData(2, 31, 45, 19, 1.0, 1.0, 1.0)]
    [InlineData(3, 25, 25, 40, 0.36, 0.36, 0.8)]
    public void RandomBlobs3D(int seed, int nx, int ny, int nz, double sx, double sy, double sz) =>
        Compare(seed, ImageSize.Of3D(nx, ny, nz), new Vector3D(sx, sy, sz));

    [Theory]
    [InlineData(4, 70, 55, 0.8, 1.7)]
    [InlineData(5, 64, 64, 1.0, 1.0)]
    public void RandomBlobs2D(int seed, int nx, int ny, double sx, double sy) =>
        Compare(seed, ImageSize.Of2D(nx, ny), new Vector3D(sx, sy, 1));

    private static void Compare(int seed, ImageSize size, Vector3D spacing)
    {
        TestData.RequirePython("numpy", "scipy");
        var predictionVoxels = Masks.RandomBlobs(size, spacing, seed, blobs: 4);
        var referenceVoxels = Masks.RandomBlobs(size, spacing, seed + 1000, blobs: 4);
        double[] tolerances = [0.5, 1.0, spacing.Y * 1.5, 2.0, 5.0];
        using var folder = TestData.CreateTempFolder();
        File.WriteAllBytes(folder.File("prediction.raw"), predictionVoxels);
        File.WriteAllBytes(folder.File("reference.raw"), referenceVoxels);
        string output = ProcessRunner.Python(Script,
        [
            folder.Path, .. Strings(size.X, size.Y, size.Z, spacing.X, spacing.Y, spacing.Z),
            size.Rank == 2 ? "1" : "0", .. Strings(tolerances),
        ]);
        using var expected = JsonDocument.Parse(output);
        var root = expected.RootElement;

        var geometry = Masks.Geometry(size, spacing);
        using var prediction = Masks.FromBytes(geometry, predictionVoxels);
        using var reference = Masks.FromBytes(geometry, referenceVoxels);
        for (int i = 0; i < tolerances.Length; i++)
        {
            var m = SegmentationEvaluator.CompareMasks(prediction, reference, new SegmentationOptions { SurfaceTolerance = tolerances[i] });
            Assert.Equal(root.GetProperty("nsd")[i].GetDouble(), m.NormalizedSurfaceDice, 14);
            if (i > 0)
            {
                continue;
            }

            Assert.Equal(root.GetProperty("prediction_edges").GetInt64(), m.PredictionSurfaceVoxels);
            Assert.Equal(root.GetProperty("reference_edges").GetInt64(), m.ReferenceSurfaceVoxels);
            Assert.Equal(root.GetProperty("dice").GetDouble(), m.Dice, 14);
            Assert.Equal(root.GetProperty("iou").GetDouble(), m.Iou, 14);
            Assert.Equal(root.GetProperty("hd").GetDouble(), m.HausdorffDistance, 12);
            Assert.Equal(root.GetProperty("hd95").GetDouble(), m.HausdorffDistance95, 12);
            Assert.Equal(root.GetProperty("assd").GetDouble(), m.AverageSymmetricSurfaceDistance, 12);
            Assert.True(m.HausdorffDistance95 > 0 && m.HausdorffDistance95 < m.HausdorffDistance, "the blobs should give a non-trivial percentile");
        }
    }

    private static string[] Strings(params double[] values) =>
        [.. values.Select(v => v.ToString("R", CultureInfo.InvariantCulture))];
}
