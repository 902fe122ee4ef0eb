using MedVox.Classical.Colonography;
using MedVox.Geometry;
using MedVox.Imaging;
using MedVox.Testing;

namespace MedVox.Classical.Tests.Colonography;

/// <summary>
/// A hand-built colonography: a gas-filled tube of 15 mm radius through soft tissue, tagged fluid pooled in its lower
/// part, and sessile polyps (spheres protruding 0.8 of their diameter into the lumen) of 10 mm (in gas), 7 mm (under
/// the fluid) and 3 mm; partial volume by 3x3x3 supersampling, noise of 10 HU, anisotropic spacing, oblique axes.
/// </summary>
public sealed class PolypDetectorTests
{
    private const double TubeRadius = 15;
    private const double FluidLevel = 8;

    [Fact]
    public void FindsPolypsInGasAndUnderTaggedFluidAndPlacesTheirCentres()
    {
        var polyps = new[] { Polyp(10, 200, -15), Polyp(7, 90, 12), Polyp(3, 320, 0) };
        using var ct = Colonography(polyps, out var toPhysical);
        var detection = PolypDetector.Detect(ct, cancellation: TestContext.Current.CancellationToken);

        Assert.True(detection.Candidates.Count >= 2, $"{detection.Candidates.Count} candidates");
        var top = detection.Candidates.Take(2).ToArray();
        foreach (var (local, diameter) in polyps.Take(2))
        {
            var center = toPhysical(local);
            var hit = Assert.Single(top, c => (c.Center - center).Length <= 0.5 * diameter);
            Assert.InRange(hit.DiameterMm, 0.6 * diameter, 1.6 * diameter);
            Assert.InRange(hit.MeanShapeIndex, 0.9, 1.0);
        }

        // Gas and fluid together fill the tube (70 mm long), less the polyps' protrusions.
        double tube = Math.PI * TubeRadius * TubeRadius * 70 / 1000;
        Assert.InRange(detection.LumenVolumeMl, 0.95 * tube, 1.02 * tube);
    }

    [Fact]
    public void PlainWallGivesNoStrongCandidate()
    {
        using var ct = Colonography([], out _);
        var detection = PolypDetector.Detect(ct, cancellation: TestContext.Current.CancellationToken);
        // The tube wall is a rut (shape index 0.25); only noise specks may pass, far below a 7 mm polyp's score.
        using var withPolyp = Colonography([Polyp(7, 200, 0)], out _);
        double polypScore = PolypDetector.Detect(withPolyp, cancellation: TestContext.Current.CancellationToken).Candidates[0].Score;
        Assert.All(detection.Candidates, c => Assert.True(c.Score < 0.5 * polypScore, $"wall candidate {c} vs polyp score {polypScore}"));
    }

    [Fact]
    public void VolumeWithoutGasIsRefusedWithAClearMessage()
    {
        var geometry = Masks.Geometry(ImageSize.Of3D(20, 20, 10), new Vector3D(1, 1, 1));
        using var ct = Masks.Create(geometry, (x, y, z) => x is > 2 and < 17 && y is > 2 and < 17 ? 40 : -1000, ElementType.Int16);
        var error = Assert.Throws<MedVoxException>(() => PolypDetector.Detect(ct, cancellation: TestContext.Current.CancellationToken));
        Assert.Contains("no colon gas found", error.Message);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Fact]
    public void SliceAndBadOptionsAreRefused()
    {
        var geometry = Masks.Geometry(ImageSize.Of3D(20, 20, 1), new Vector3D(1, 1, 1));
        using var slice = Masks.Create(geometry, (x, y, z) => 0, ElementType.Int16);
        Assert.Contains("needs a 3D CT", Assert.Throws<MedVoxException>(() => PolypDetector.Detect(slice, cancellation: TestContext.Current.CancellationToken)).Message);
        Assert.Throws<ArgumentException>(() => PolypDetector.Detect(slice, new PolypDetectorOptions { MinCurvedness = 0.6 }, TestContext.Current.CancellationToken));
        Assert.Throws<ArgumentException>(() => PolypDetector.Detect(slice, new PolypDetectorOptions { GasHu = 300 }, TestContext.Current.CancellationToken));
    }

    /// <summary>A sessile polyp: its centre 0.3 d inside the lumen from the wall at angle (degrees) and position along the tube.</summary>
    private static (Vector3D Local, double Diameter) Polyp(double diameter, double angleDegrees, double along)
    {
        double a = angleDegrees * Math.PI / 180, r = TubeRadius - (0.3 * diameter);
        return (new Vector3D(r * Math.Cos(a), r * Math.Sin(a), along), diameter);
    }

    /// <summary>
    /// The scene in local mm (u, v, w) along the image axes from the volume centre; v > <see cref="FluidLevel"/> is the
    /// dependent side where fluid pools. <paramref name="toPhysical"/> maps local mm to LPS.
    /// </summary>
    private static Image Colonography(IReadOnlyList<(Vector3D Local, double Diameter)> polyps, out Func<Vector3D, Vector3D> toPhysical)
    {
        var size = ImageSize.Of3D(100, 100, 70);
        var spacing = new Vector3D(0.8, 0.8, 1.0);
        var geometry = Masks.Geometry(size, spacing, TestImages.ObliqueGeometry(size).Direction, new Vector3D(-30, 12, 45));
        var direction = geometry.Direction;
        var center = geometry.IndexToPhysical((size.X - 1) / 2.0, (size.Y - 1) / 2.0, (size.Z - 1) / 2.0);
        toPhysical = local => center + (direction * local);
        var ct = Image.Create(geometry, ElementType.Int16);
        var half = new Vector3D((size.X - 1) / 2.0, (size.Y - 1) / 2.0, (size.Z - 1) / 2.0);
        Vector3D Local(double x, double y, double z) => new((x - half.X) * spacing.X, (y - half.Y) * spacing.Y, (z - half.Z) * spacing.Z);
        Parallel.For(0, size.Z, z =>
        {
            var random = new Random(7 + z);
            for (int y = 0; y < size.Y; y++)
            {
                var row = ct.GetRow<short>(y, z);
                for (int x = 0; x < size.X; x++)
                {
                    // Partial volume: voxels whose corners disagree are averaged over 3 x 3 x 3 samples.
                    double first = Hu(Local(x - 0.5, y - 0.5, z - 0.5), polyps);
                    bool uniform = true;
                    for (int corner = 1; corner < 8 && uniform; corner++)
                    {
                        uniform = Hu(Local(x - 0.5 + (corner & 1), y - 0.5 + ((corner >> 1) & 1), z - 0.5 + (corner >> 2)), polyps) == first;
                    }

                    double value = first;
                    if (!uniform)
                    {
                        double sum = 0;
                        for (int s = 0; s < 27; s++)
                        {
                            sum += Hu(Local(x + (((s % 3) - 1) / 3.0), y + ((((s / 3) % 3) - 1) / 3.0), z + (((s / 9) - 1) / 3.0)), polyps);
                        }

                        value = sum / 27;
                    }

                    double noise = Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble()) * 10;
                    row[x] = (short)Math.Round(value + noise);
                }
            }
        });

        return ct;
    }

    private static double Hu(Vector3D p, IReadOnlyList<(Vector3D Local, double Diameter)> polyps)
    {
        double u = p.X, v = p.Y;
        if (((u * u) / (38.0 * 38.0)) + ((v * v) / (36.0 * 36.0)) > 1)
        {
            return -1000;
        }

        foreach (var (local, diameter) in polyps)
        {
            if ((p - local).Length <= diameter / 2)
            {
                return 40;
            }
        }

        if ((u * u) + (v * v) < TubeRadius * TubeRadius)
        {
            return v > FluidLevel ? 600 : -1000;
        }

        return 40;
    }
}
