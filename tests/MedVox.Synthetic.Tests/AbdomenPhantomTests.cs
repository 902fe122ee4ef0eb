using MedVox.Imaging;
using MedVox.Synthetic.Abdomen;
using L = MedVox.Synthetic.Abdomen.AbdomenLabels;

namespace MedVox.Synthetic.Tests;

public class AbdomenPhantomTests
{
    /// <summary>
    /// Adult organ volumes from CT volumetry: liver ~1500 mL (about 1000-2200), spleen ~200 mL (80-450), each kidney
    /// ~150 mL (90-250), pancreas ~70 mL (35-130). Measured as voxel count times voxel volume at three different grids.
    /// </summary>
    [Theory]
    [InlineData(96, null, null, null, 3)]
    [InlineData(128, 60, null, 5.0, 5)]
    [InlineData(112, 100, 3.0, 2.8, 8)]
    public void OrganVolumesArePlausibleAtSeveralSpacings(int size, int? slices, double? spacing, double? sliceSpacing, int seed)
    {
        var options = new AbdomenOptions { Size = size, Slices = slices, Spacing = spacing, SliceSpacing = sliceSpacing, NoiseSd = 0 };
        for (int index = 0; index < 2; index++)
        {
            using var phantom = AbdomenPhantom.Generate(options, seed, index, cancellation: TestContext.Current.CancellationToken);
            var g = phantom.Labels.Geometry;
            if (spacing is not null)
            {
                Assert.Equal(spacing.Value, g.Spacing.X, 9);
            }

            double voxelMl = g.Spacing.X * g.Spacing.Y * g.Spacing.Z / 1000;
            var counts = Count(phantom.Labels);
            void InRange(byte label, double min, double max)
            {
                double ml = counts[label] * voxelMl;
                Assert.True(ml >= min && ml <= max, $"{L.Names[label].Key}: {ml:F0} mL, expected {min}-{max} (grid {g.Size}, spacing {g.Spacing})");
            }

            InRange(L.Liver, 1000, 2200);
            InRange(L.Spleen, 80, 450);
            InRange(L.KidneyRight, 90, 250);
            InRange(L.KidneyLeft, 90, 250);
            InRange(L.Pancreas, 35, 130);
        }
    }

    [Fact]
    public void OrgansLieWhereAnatomySaysInPatientCoordinates()
    {
        using var phantom = AbdomenPhantom.Generate(new AbdomenOptions { Size = 64, NoiseSd = 0 }, 1, 0, cancellation: TestContext.Current.CancellationToken);
        var liver = Centroid(phantom.Labels, L.Liver);
        var spleen = Centroid(phantom.Labels, L.Spleen);
        var right = Centroid(phantom.Labels, L.KidneyRight);
        var left = Centroid(phantom.Labels, L.KidneyLeft);
        var aorta = Centroid(phantom.Labels, L.Aorta);
        var cava = Centroid(phantom.Labels, L.InferiorVenaCava);
        var spine = Centroid(phantom.Labels, L.Spine);

        // LPS: +x is the patient's left, +y posterior, +z superior.
        Assert.True(liver.X < -20, $"liver centroid {liver} is not on the right");
        Assert.True(spleen.X > 50 && spleen.Y > 0, $"spleen centroid {spleen} is not left posterior");
        Assert.True(right.X < -40 && left.X > 40, $"kidneys at {right} and {left}");
        Assert.True(right.Z < left.Z, "the right kidney lies lower than the left");
        Assert.True(aorta.X > 0 && cava.X < 0, $"aorta at {aorta}, IVC at {cava}");
        Assert.True(aorta.Y < spine.Y, "the aorta lies in front of the spine");
    }

    [Fact]
    public void SmallestVesselBranchesAreOneToTwoVoxelsAcross()
    {
        // Fine isotropic grid around the mesenteric root; the terminal radius is tied to the finest spacing.
        var options = new AbdomenOptions { Size = 176, Slices = 150, Spacing = 0.8, SliceSpacing = 0.8, NoiseSd = 0 };
        using var phantom = AbdomenPhantom.Generate(options, 2, 0, cancellation: TestContext.Current.CancellationToken);
        var labels = phantom.Labels;
        var g = labels.Geometry;
        double spacing = 0.8;
        Assert.InRange(phantom.TerminalRadius / spacing, 0.5, 1.0);
        int examined = 0, present = 0, thin = 0, inView = 0;
        foreach (var branch in phantom.Vessels)
        {
            if (!branch.IsTerminal)
            {
                continue;
            }

            var tip = g.PhysicalToIndex(branch.Segment.B);
            int ti = (int)Math.Round(tip.X), tj = (int)Math.Round(tip.Y), tk = (int)Math.Round(tip.Z);
            if (ti < 4 || tj < 4 || tk < 4 || ti >= g.Size.X - 4 || tj >= g.Size.Y - 4 || tk >= g.Size.Z - 4)
            {
                continue;
            }

            inView++;

            // Only tips lying in the mesentery (not hidden under an organ painted over them), away from other vessels.
            if (NearOtherVessel(phantom, branch, 3.0))
            {
                continue;
            }

            examined++;
            double maxInscribed = 0;
            bool any = false;
            for (int k = tk - 2; k <= tk + 2; k++)
            {
                for (int j = tj - 2; j <= tj + 2; j++)
                {
                    for (int i = ti - 2; i <= ti + 2; i++)
                    {
                        if (labels.GetValue(i, j, k) != L.Vessels)
                        {
                            continue;
                        }

                        any = true;
                        maxInscribed = Math.Max(maxInscribed, InscribedRadius(labels, i, j, k));
                    }
                }
            }

            present += any ? 1 : 0;
            thin += any && maxInscribed <= 1.5 ? 1 : 0;
        }

        // A tube 1-2 voxels across has every voxel within 1.5 voxels of the background (a 3-voxel-wide one has a core at 2).
        Assert.True(examined >= 8, $"only {examined} isolated terminal branches of {inView} in view");
        Assert.True(present >= examined * 0.6, $"{present} of {examined} terminal tips are labelled at all");
        Assert.True(thin >= present * 0.9, $"{thin} of {present} terminal tips are at most 2 voxels thick");
    }

    [Fact]
    public void PancreasHasLowContrastToItsNeighbours()
    {
        foreach (var phase in new[] { ContrastPhase.Native, ContrastPhase.PortalVenous })
        {
            // A grid fine enough for the pancreas (about 20 mm thick) to have an interior free of partial volume.
            var options = new AbdomenOptions { Size = 160, Spacing = 1.5, Slices = 80, SliceSpacing = 2, NoiseSd = 0, Contrast = phase };
            using var phantom = AbdomenPhantom.Generate(options, 4, 0, cancellation: TestContext.Current.CancellationToken);
            var means = InteriorMeans(phantom.Image, phantom.Labels);
            double pancreas = means[L.Pancreas];
            foreach (var neighbour in new[] { L.Liver, L.Spleen, L.KidneyLeft })
            {
                double difference = Math.Abs(pancreas - means[neighbour]);
                double limit = phase == ContrastPhase.Native || neighbour != L.KidneyLeft ? 20 : 90;
                Assert.True(difference <= limit, $"{phase}: pancreas {pancreas:F0} HU vs {L.Names[neighbour].Key} {means[neighbour]:F0} HU");
            }

            // ... but it is not invisible: fat is far away.
            Assert.True(pancreas - means[L.SubcutaneousFat] > 100);
        }
    }

    [Fact]
    public void NoiseStandardDeviationIsAsRequestedInAHomogeneousRegion()
    {
        var ct = TestContext.Current.CancellationToken;
        using var clean = AbdomenPhantom.Generate(new AbdomenOptions { Size = 96, NoiseSd = 0 }, 6, 0, cancellation: ct);
        using var noisy = AbdomenPhantom.Generate(new AbdomenOptions { Size = 96, NoiseSd = 15 }, 6, 0, cancellation: ct);
        using var drawn = AbdomenPhantom.Generate(new AbdomenOptions { Size = 96 }, 6, 0, cancellation: ct);
        Assert.InRange(drawn.NoiseSd, 10, 20);

        var difference = new List<double>();
        var liverValues = new List<double>();
        ForInterior(clean.Labels, L.Liver, 2, (i, j, k) =>
        {
            difference.Add(noisy.Image.GetValue(i, j, k) - clean.Image.GetValue(i, j, k));
            liverValues.Add(drawn.Image.GetValue(i, j, k));
        });
        Assert.True(difference.Count > 1000);
        Assert.InRange(Sd(difference), 13.5, 16.5);

        // The liver interior is homogeneous apart from noise: its SD is the drawn noise SD, within 10-20 HU.
        Assert.InRange(Sd(liverValues), 9.5, 21.5);
        Assert.InRange(Sd(liverValues), drawn.NoiseSd * 0.9, drawn.NoiseSd * 1.1);
    }

    [Fact]
    public void BoundaryVoxelsHaveIntermediateValues()
    {
        using var phantom = AbdomenPhantom.Generate(new AbdomenOptions { Size = 96, NoiseSd = 0 }, 7, 0, cancellation: TestContext.Current.CancellationToken);
        var image = phantom.Image;
        var labels = phantom.Labels;
        var size = labels.Size;
        int boundary = 0, intermediate = 0, interior = 0, interiorExact = 0;
        for (int k = 1; k < size.Z - 1; k++)
        {
            for (int j = 1; j < size.Y - 1; j++)
            {
                for (int i = 1; i < size.X - 1; i++)
                {
                    if (labels.GetValue(i, j, k) != L.KidneyLeft)
                    {
                        continue;
                    }

                    int others = CountOtherNeighbours(labels, i, j, k, L.KidneyLeft, 1);
                    double value = image.GetValue(i, j, k);
                    if (others > 0 && CountLabelNeighbours(labels, i, j, k, L.Body, 1) > 0)
                    {
                        boundary++;
                        intermediate += value is > -85 and < 20 ? 1 : 0;
                    }
                    else if (CountOtherNeighbours(labels, i, j, k, L.KidneyLeft, 2) == 0)
                    {
                        interior++;
                        interiorExact += value is >= 25 and <= 45 ? 1 : 0;
                    }
                }
            }
        }

        // Kidney ~35 HU in perirenal fat ~-100 HU: edge voxels mix both, the inside is pure kidney.
        Assert.True(boundary > 50);
        Assert.True(intermediate > boundary * 0.5, $"{intermediate} of {boundary} kidney edge voxels are intermediate");
        Assert.True(interiorExact > interior * 0.95, $"{interiorExact} of {interior} interior voxels are kidney");
    }

    [Fact]
    public void GeometryIsAsRequestedAndCentredOnThePatient()
    {
        var options = new AbdomenOptions { Size = 40, Slices = 12, Spacing = 0.7, SliceSpacing = 3.0, NoiseSd = 0 };
        using var phantom = AbdomenPhantom.Generate(options, 1, 0, cancellation: TestContext.Current.CancellationToken);
        var g = phantom.Image.Geometry;
        Assert.Equal(ImageSize.Of3D(40, 40, 12), g.Size);
        Assert.Equal(0.7, g.Spacing.X, 12);
        Assert.Equal(0.7, g.Spacing.Y, 12);
        Assert.Equal(3.0, g.Spacing.Z, 12);

        // Centre voxel (19.5, 19.5, 5.5) at x = y = 0 and z = -15 mm: origin = -(n-1)/2 * spacing.
        Assert.Equal(-19.5 * 0.7, g.Origin.X, 9);
        Assert.Equal(-19.5 * 0.7, g.Origin.Y, 9);
        Assert.Equal(-15 - (5.5 * 3.0), g.Origin.Z, 9);
        Assert.Equal(Geometry.Matrix3D.Identity, g.Direction);
        Assert.True(phantom.Labels.Geometry.IsEquivalent(g, 0));
        Assert.Equal(ElementType.Int16, phantom.Image.ElementType);
        Assert.Equal(ElementType.UInt8, phantom.Labels.ElementType);

        // Default grid: 380 mm field of view in-plane, 300 mm along z.
        var defaults = AbdomenPhantom.GeometryFor(new AbdomenOptions { Size = 100 });
        Assert.Equal(3.8, defaults.Spacing.X, 12);
        Assert.Equal(3.0, defaults.Spacing.Z, 12);
    }

    [Fact]
    public void SameSeedGivesSameVoxelsAndDifferentSeedsDifferentShapes()
    {
        var ct = TestContext.Current.CancellationToken;
        var options = new AbdomenOptions { Size = 48 };
        using var a = AbdomenPhantom.Generate(options, 3, 1, cancellation: ct);
        using var b = AbdomenPhantom.Generate(options, 3, 1, cancellation: ct);
        using var c = AbdomenPhantom.Generate(options, 4, 1, cancellation: ct);
        using var d = AbdomenPhantom.Generate(options, 3, 2, cancellation: ct);
        Assert.True(a.Image.AsBytes().SequenceEqual(b.Image.AsBytes()));
        Assert.True(a.Labels.AsBytes().SequenceEqual(b.Labels.AsBytes()));
        Assert.True(LiverDice(a.Labels, c.Labels) < 0.95, "another seed gives another liver");
        Assert.True(LiverDice(a.Labels, d.Labels) < 0.95, "another case gives another liver");
    }

    [Fact]
    public void CancellationStopsGeneration()
    {
        using var source = new CancellationTokenSource();
        source.Cancel();
        Assert.ThrowsAny<OperationCanceledException>(() => AbdomenPhantom.Generate(new AbdomenOptions { Size = 64 }, 1, 0, null, source.Token));
    }

    [Fact]
    public void ProgressReachesOne()
    {
        var reports = new List<double>();
        var progress = new SynchronousProgress(reports);
        using var phantom = AbdomenPhantom.Generate(new AbdomenOptions { Size = 32 }, 1, 0, progress, TestContext.Current.CancellationToken);
        Assert.Equal(32, reports.Count);
        Assert.Equal(1.0, reports.Max());
    }

    internal static long[] Count(Image labels)
    {
        var counts = new long[256];
        foreach (byte v in labels.AsSpan<byte>())
        {
            counts[v]++;
        }

        return counts;
    }

    private static double LiverDice(Image a, Image b)
    {
        long both = 0, na = 0, nb = 0;
        var sa = a.AsSpan<byte>();
        var sb = b.AsSpan<byte>();
        for (int i = 0; i < sa.Length; i++)
        {
            bool x = sa[i] == L.Liver, y = sb[i] == L.Liver;
            na += x ? 1 : 0;
            nb += y ? 1 : 0;
            both += x && y ? 1 : 0;
        }

        return 2.0 * both / (na + nb);
    }

    private static Geometry.Vector3D Centroid(Image labels, byte label)
    {
        double x = 0, y = 0, z = 0;
        long n = 0;
        var size = labels.Size;
        for (int k = 0; k < size.Z; k++)
        {
            for (int j = 0; j < size.Y; j++)
            {
                var row = labels.GetRow<byte>(j, k);
                for (int i = 0; i < size.X; i++)
                {
                    if (row[i] == label)
                    {
                        var p = labels.Geometry.IndexToPhysical(i, j, k);
                        x += p.X;
                        y += p.Y;
                        z += p.Z;
                        n++;
                    }
                }
            }
        }

        Assert.True(n > 0, $"label {label} is empty");
        return new Geometry.Vector3D(x / n, y / n, z / n);
    }

    private static Dictionary<byte, double> InteriorMeans(Image image, Image labels)
    {
        var sums = new Dictionary<byte, (double Sum, long N)>();
        foreach (var (_, value) in L.Names)
        {
            byte label = (byte)value;
            double sum = 0;
            long n = 0;
            ForInterior(labels, label, 1, (i, j, k) =>
            {
                sum += image.GetValue(i, j, k);
                n++;
            });
            sums[label] = (sum, n);
        }

        return sums.Where(p => p.Value.N > 0).ToDictionary(p => p.Key, p => p.Value.Sum / p.Value.N);
    }

    /// <summary>Calls <paramref name="action"/> for voxels of <paramref name="label"/> whose neighbours within <paramref name="margin"/> voxels share it.</summary>
    internal static void ForInterior(Image labels, byte label, int margin, Action<int, int, int> action)
    {
        var size = labels.Size;
        for (int k = margin; k < size.Z - margin; k++)
        {
            for (int j = margin; j < size.Y - margin; j++)
            {
                for (int i = margin; i < size.X - margin; i++)
                {
                    if (labels.GetValue(i, j, k) == label && CountOtherNeighbours(labels, i, j, k, label, margin) == 0)
                    {
                        action(i, j, k);
                    }
                }
            }
        }
    }

    private static int CountOtherNeighbours(Image labels, int i, int j, int k, byte label, int margin)
    {
        int n = 0;
        for (int d = 1; d <= margin; d++)
        {
            n += labels.GetValue(i - d, j, k) != label ? 1 : 0;
            n += labels.GetValue(i + d, j, k) != label ? 1 : 0;
            n += labels.GetValue(i, j - d, k) != label ? 1 : 0;
            n += labels.GetValue(i, j + d, k) != label ? 1 : 0;
            n += labels.GetValue(i, j, k - d) != label ? 1 : 0;
            n += labels.GetValue(i, j, k + d) != label ? 1 : 0;
        }

        return n;
    }

    private static int CountLabelNeighbours(Image labels, int i, int j, int k, byte label, int margin) =>
        (6 * margin) - CountOtherNeighbours(labels, i, j, k, label, margin);

    /// <summary>Distance (voxels) from a voxel centre to the nearest voxel centre outside the vessel label, searched up to 3 voxels.</summary>
    private static double InscribedRadius(Image labels, int i, int j, int k)
    {
        double best = 3.5;
        for (int c = -3; c <= 3; c++)
        {
            for (int b = -3; b <= 3; b++)
            {
                for (int a = -3; a <= 3; a++)
                {
                    double d = Math.Sqrt((a * a) + (b * b) + (c * c));
                    if (d < best && labels.GetValue(i + a, j + b, k + c) != L.Vessels)
                    {
                        best = d;
                    }
                }
            }
        }

        return best;
    }

    private static bool NearOtherVessel(AbdomenCase phantom, Rendering.VesselBranch branch, double clearance)
    {
        var tip = branch.Segment.B;
        foreach (var other in phantom.Vessels)
        {
            if (other == branch || other.Segment.B == branch.Segment.A)
            {
                continue;
            }

            if (other.Segment.Distance(tip.X, tip.Y, tip.Z) < clearance)
            {
                return true;
            }
        }

        return false;
    }

    private static double Sd(List<double> values)
    {
        double mean = values.Average();
        return Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / (values.Count - 1));
    }

    private sealed class SynchronousProgress(List<double> reports) : IProgress<double>
    {
        public void Report(double value)
        {
            lock (reports)
            {
                reports.Add(value);
            }
        }
    }
}
