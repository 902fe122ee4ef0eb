using MedVox.Geometry;
using MedVox.Imaging;
using MedVox.Synthetic.Colon;
using MedVox.Synthetic.Fundus;
using MedVox.Synthetic.Head;
using MedVox.Synthetic.XRay;

namespace MedVox.Synthetic.Tests;

public class OtherPhantomTests
{
    [Fact]
    public void HemorrhageSlicesHaveHyperdenseBloodInCsfSpacesAndOthersNone()
    {
        var options = new HeadOptions { Size = 128, NoiseSd = 0 };
        int positives = 0, negatives = 0;
        for (int i = 0; i < 16; i++)
        {
            using var slice = HeadPhantom.Generate(options, 5, i);
            var labels = slice.Labels.AsSpan<byte>();
            var values = slice.Image.AsSpan<short>();
            int n = slice.Image.Size.X;
            if (slice.HasHemorrhage)
            {
                positives++;
                using var clean = HeadPhantom.GenerateWithoutBlood(options, 5, i);
                var cleanLabels = clean.Labels.AsSpan<byte>();
                int blood = 0;
                for (int p = 0; p < labels.Length; p++)
                {
                    if (labels[p] == HeadLabels.Hemorrhage)
                    {
                        blood++;
                        Assert.Equal(HeadLabels.Csf, cleanLabels[p]);
                        Assert.True(values[p] > clean.Image.AsSpan<short>()[p] + 10, "blood is denser than the CSF it replaces");
                    }
                }

                Assert.True(blood > 0);
                double pixelArea = slice.Image.Geometry.Spacing.X * slice.Image.Geometry.Spacing.Y;
                Assert.Equal(blood * pixelArea, slice.BloodArea, 6);
                Assert.True(slice.BloodArea >= HeadPhantom.DefaultMinimumBloodArea, $"slice {i}: {slice.BloodArea:F1} mm^2 of blood, below the least a hemorrhage slice shows");
                int dense = 0;
                for (int p = 0; p < labels.Length; p++)
                {
                    dense += labels[p] == HeadLabels.Hemorrhage && values[p] >= 46 ? 1 : 0;
                }

                Assert.True(dense > 0, "hemorrhage is hyperdense: denser than any brain pixel of the slices without it");
            }
            else
            {
                negatives++;
                for (int p = 0; p < labels.Length; p++)
                {
                    // Inside the brain, away from the skull's partial volume, nothing is denser than grey matter.
                    if ((labels[p] is HeadLabels.Brain or HeadLabels.Csf) && !NearSkull(labels, p, n, 2))
                    {
                        Assert.True(values[p] < 46, $"slice {i} pixel {p}: {values[p]} HU without hemorrhage");
                    }
                }
            }
        }

        Assert.True(positives >= 3 && negatives >= 3, $"{positives} positive, {negatives} negative slices");
    }

    [Fact]
    public void PolypsHaveRequestedSizesAndSitOnTheColonWall()
    {
        var options = new ColonOptions { Size = 160, NoiseSd = 0, PolypCount = 4 };
        var diameters = new List<double>();
        for (int index = 0; index < 2; index++)
        {
            using var colon = ColonPhantom.Generate(options, 3, index, cancellation: TestContext.Current.CancellationToken);
            var labels = colon.Labels;
            var g = labels.Geometry;
            double spacing = g.Spacing.X;
            foreach (var polyp in colon.Polyps)
            {
                diameters.Add(polyp.Diameter);
                Assert.InRange(polyp.Diameter, 3, 15);

                // The base is on the inner wall: wall and lumen (or polyp) voxels meet within one voxel of it.
                var b = g.PhysicalToIndex(polyp.Base);
                var around = Neighbourhood(labels, b, 1);
                Assert.Contains(ColonLabels.Wall, around);
                Assert.True(around.Contains(ColonLabels.Lumen) || around.Contains(ColonLabels.Polyp));
                double expected = polyp.Type == PolypType.Sessile ? 0.3 * polyp.Diameter : polyp.StalkLength + (polyp.Diameter / 2);
                Assert.Equal(expected, (polyp.Center - polyp.Base).Length, 6);

                // The labelled head has the stated diameter (equivalent sphere), within a voxel for polyps of 6 mm and more.
                if (polyp.Diameter >= 6)
                {
                    long count = CountWithin(labels, polyp.Center, polyp.Diameter / 2 + spacing, ColonLabels.Polyp);
                    double voxel = g.Spacing.X * g.Spacing.Y * g.Spacing.Z;
                    double equivalent = Math.Cbrt(6 * count * voxel / Math.PI);
                    Assert.True(Math.Abs(equivalent - polyp.Diameter) <= spacing + (0.15 * polyp.Diameter), $"{polyp}: labelled diameter {equivalent:F1} mm");
                }
            }
        }

        Assert.Contains(diameters, d => d < Polyp.ClinicalThreshold);
        Assert.Contains(diameters, d => d >= Polyp.ClinicalThreshold);
    }

    [Fact]
    public void XRayLabelsAreProjectionsOfTheOrganMasks()
    {
        using var xray = ChestXRayPhantom.Generate(new ChestXRayOptions { Size = 96, NoiseSd = 0 }, 2, 0, keepVolume: true, TestContext.Current.CancellationToken);
        var volume = xray.VolumeLabels!;
        int n = 96;
        var labels = xray.Labels.AsSpan<byte>();
        var image = xray.Image.AsSpan<ushort>();
        double lung = 0, heart = 0;
        int lungs = 0, hearts = 0;
        for (int row = 0; row < n; row++)
        {
            for (int i = 0; i < n; i++)
            {
                // Detector row 0 is the top (highest z); a pixel shows the highest-priority organ along its ray.
                int k = n - 1 - row;
                byte expected = 0;
                for (int j = 0; j < volume.Size.Y; j++)
                {
                    expected = Math.Max(expected, (byte)volume.GetValue(i, j, k));
                }

                Assert.Equal(expected, labels[(row * n) + i]);
                if (expected == ChestXRayLabels.Lungs)
                {
                    lung += image[(row * n) + i];
                    lungs++;
                }
                else if (expected == ChestXRayLabels.Heart)
                {
                    heart += image[(row * n) + i];
                    hearts++;
                }
            }
        }

        Assert.True(lungs > 100 && hearts > 50);
        Assert.True(lung / lungs < heart / hearts, "the lung fields are darker (less attenuating) than the heart");
        Assert.Equal(new Vector3D(0, 0, -1), xray.Image.Geometry.Direction.Column(1));
    }

    [Fact]
    public void FundusVesselsTaperFromTheDiscToTheirEnds()
    {
        using var fundus = FundusPhantom.Generate(new FundusOptions { Size = 384 }, 4, 0);
        var labels = fundus.Labels;
        int n = 384;
        var trunk = new List<double>();
        var terminal = new List<double>();
        foreach (var v in fundus.Vessels)
        {
            double mx = (v.X0 + v.X1) / 2, my = (v.Y0 + v.Y1) / 2;
            double length = Math.Sqrt(((v.X1 - v.X0) * (v.X1 - v.X0)) + ((v.Y1 - v.Y0) * (v.Y1 - v.Y0)));
            if (length < 2 || mx < 5 || my < 5 || mx > n - 6 || my > n - 6)
            {
                continue;
            }

            double width = MeasureWidth(labels, mx, my, -(v.Y1 - v.Y0) / length, (v.X1 - v.X0) / length);
            if (width == 0)
            {
                continue;
            }

            if (v.Generation == 0 && v.R0 > 2.5)
            {
                trunk.Add(width);
            }
            else if (v.R1 <= 0.5 && v.R0 < 1)
            {
                terminal.Add(width);
            }
        }

        Assert.True(trunk.Count > 5 && terminal.Count > 5, $"{trunk.Count} trunk and {terminal.Count} terminal segments measured");
        Assert.True(trunk.Average() > 2.5 * terminal.Average(), $"trunk width {trunk.Average():F1} px, terminal {terminal.Average():F1} px");
        Assert.InRange(terminal.Average(), 0.8, 2.5);
        Assert.Equal(3, fundus.Channels.Count);
    }

    private static double MeasureWidth(Image labels, double x, double y, double nx, double ny)
    {
        // The contiguous run of vessel pixels along the normal through the segment's midpoint (half-pixel steps).
        bool Vessel(double t)
        {
            int i = (int)Math.Round(x + (t * nx)), j = (int)Math.Round(y + (t * ny));
            return i >= 0 && j >= 0 && i < labels.Size.X && j < labels.Size.Y && labels.GetValue(i, j) == FundusLabels.Vessel;
        }

        if (!Vessel(0))
        {
            return 0;
        }

        double up = 0, down = 0;
        while (up < 12 && Vessel(up + 0.5))
        {
            up += 0.5;
        }

        while (down < 12 && Vessel(-down - 0.5))
        {
            down += 0.5;
        }

        return up + down + 0.5;
    }

    private static bool NearSkull(ReadOnlySpan<byte> labels, int p, int n, int radius)
    {
        int x = p % n, y = p / n;
        for (int dy = -radius; dy <= radius; dy++)
        {
            for (int dx = -radius; dx <= radius; dx++)
            {
                int xx = x + dx, yy = y + dy;
                if (xx >= 0 && yy >= 0 && xx < n && yy < n && labels[(yy * n) + xx] is HeadLabels.Skull or HeadLabels.Background)
                {
                    return true;
                }
            }
        }

        return false;
    }

    private static HashSet<byte> Neighbourhood(Image labels, Vector3D index, int radius)
    {
        var set = new HashSet<byte>();
        int ci = (int)Math.Round(index.X), cj = (int)Math.Round(index.Y), ck = (int)Math.Round(index.Z);
        for (int k = ck - radius; k <= ck + radius; k++)
        {
            for (int j = cj - radius; j <= cj + radius; j++)
            {
                for (int i = ci - radius; i <= ci + radius; i++)
                {
                    set.Add((byte)labels.GetValue(i, j, k));
                }
            }
        }

        return set;
    }

    private static long CountWithin(Image labels, Vector3D center, double radius, byte label)
    {
        var g = labels.Geometry;
        var c = g.PhysicalToIndex(center);
        int r = (int)Math.Ceiling(radius / g.Spacing.Z) + 1;
        long count = 0;
        for (int k = (int)c.Z - r; k <= (int)c.Z + r; k++)
        {
            for (int j = (int)c.Y - r - 2; j <= (int)c.Y + r + 2; j++)
            {
                for (int i = (int)c.X - r - 2; i <= (int)c.X + r + 2; i++)
                {
                    if ((g.IndexToPhysical(i, j, k) - center).Length <= radius && labels.GetValue(i, j, k) == label)
                    {
                        count++;
                    }
                }
            }
        }

        return count;
    }
}
