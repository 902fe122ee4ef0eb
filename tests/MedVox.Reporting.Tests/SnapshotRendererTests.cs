using MedVox.Evaluation.Segmentation;
using MedVox.Geometry;
using MedVox.Imaging;
using MedVox.Reporting.Snapshots;

namespace MedVox.Reporting.Tests;

public class SnapshotRendererTests
{
    private static readonly LabelSet Organ = LabelSet.FromValues([new("organ", 1)]);

    private static readonly SnapshotOptions Plain = new()
    {
        Window = IntensityWindow.FromRange(0, 100),
        PixelsPerMillimetre = 4,
        LineWidth = 2,
        OrientationLetters = false,
    };

    [Fact]
    public void PredictionOutlineLiesOnTheCubeBorderInTheAxialView()
    {
        var geometry = Volumes.Geometry(32, 32, 16, new Vector3D(1, 1, 2));
        using var image = Image.Create(geometry, ElementType.Int16);
        using var reference = Volumes.Box(geometry, new Index3(8, 8, 4), new Index3(23, 23, 11));
        using var prediction = Volumes.Box(geometry, new Index3(10, 12, 4), new Index3(21, 19, 11));

        var snapshot = SnapshotRenderer.Render(image, prediction, reference, Organ, Plain);

        var axial = snapshot.Panels.Single(p => p.View == SliceView.Axial);
        var png = Png.Decode(axial.Png);
        Assert.Equal((128, 128), (png.Width, png.Height));
        var red = Png.Hex(snapshot.Styles[0].PredictionColor);
        var green = Png.Hex(snapshot.Styles[0].ReferenceColor);
        Assert.NotEqual(red, green);

        // Identity direction: columns are x, rows are y, 4 pixels per voxel. The prediction's voxel edges are at
        // x = 10 and 22, y = 12 and 20, i.e. pixels 40, 88, 48, 80; a 2-pixel line covers the pixel on each side.
        for (int y = 52; y <= 76; y++)
        {
            foreach (int x in (int[])[39, 40, 87, 88])
            {
                Near(red, png[x, y], $"prediction edge at ({x}, {y})");
            }
        }

        for (int x = 44; x <= 84; x++)
        {
            foreach (int y in (int[])[47, 48, 79, 80])
            {
                Near(red, png[x, y], $"prediction edge at ({x}, {y})");
            }
        }

        // The reference edge at x = 8 (pixel 32) is drawn 4 pixels wide beneath; inside both cubes the image (0) is black.
        for (int y = 40; y <= 88; y++)
        {
            foreach (int x in (int[])[30, 31, 32, 33])
            {
                Near(green, png[x, y], $"reference edge at ({x}, {y})");
            }
        }

        Near((0, 0, 0), png[64, 64], "inside");
        Near((0, 0, 0), png[36, 64], "between the outlines");
        Near((0, 0, 0), png[10, 10], "outside");
    }

    [Fact]
    public void ViewsKeepThePhysicalAspectOfAnisotropicVoxels()
    {
        // 40 × 30 × 10 voxels of 0.8 × 1.2 × 3 mm: 32 × 36 × 30 mm.
        var geometry = Volumes.Geometry(40, 30, 10, new Vector3D(0.8, 1.2, 3));
        using var reference = Volumes.Box(geometry, new Index3(10, 10, 3), new Index3(30, 20, 6));

        var fixedScale = SnapshotRenderer.Render(null, null, reference, Organ, Plain with { PixelsPerMillimetre = 5 });
        Assert.Equal((32 * 5, 36 * 5), Size(fixedScale, SliceView.Axial));
        Assert.Equal((32 * 5, 30 * 5), Size(fixedScale, SliceView.Coronal));
        Assert.Equal((36 * 5, 30 * 5), Size(fixedScale, SliceView.Sagittal));

        // The default fits the longest side (36 mm) into PanelSize pixels, the same scale for every view.
        var fitted = SnapshotRenderer.Render(null, null, reference, Organ, new SnapshotOptions { PanelSize = 360 });
        Assert.Equal(10, fitted.PixelsPerMillimetre, 12);
        Assert.Equal((320, 360), Size(fitted, SliceView.Axial));
        Assert.Equal((320, 300), Size(fitted, SliceView.Coronal));
        Assert.Equal((360, 300), Size(fitted, SliceView.Sagittal));
        foreach (var panel in fitted.Panels)
        {
            var png = Png.Decode(panel.Png);
            Assert.Equal((panel.Width, panel.Height), (png.Width, png.Height));
        }
    }

    [Theory]
    [InlineData("LPS")]
    [InlineData("RAS")]
    [InlineData("LAI")]
    [InlineData("ASL")]
    [InlineData("SRP")]
    public void ViewsAreInRadiologicalConventionWhateverTheAxisOrder(string code)
    {
        // The volume's centre is the physical origin. Markers: patient's right (x < −12 mm in LPS) 1000, anterior
        // (y < −12) 600, superior (z > 12) 400; the reference is a cube around the centre, so slices cross there.
        var direction = Orientation.DirectionFromCode(code);
        const int n = 40;
        var centre = direction * new Vector3D((n - 1) / 2.0, (n - 1) / 2.0, (n - 1) / 2.0);
        var geometry = new ImageGeometry(ImageSize.Of3D(n, n, n), Vector3D.One, -centre, direction);
        double Point(int x, int y, int z, Func<Vector3D, double> value) => value(geometry.IndexToPhysical(x, y, z));
        using var image = Volumes.Create(geometry, (x, y, z) => Point(x, y, z, p =>
            p.X < -12 && Math.Abs(p.Y) < 3 && Math.Abs(p.Z) < 3 ? 1000
            : p.Y < -12 && Math.Abs(p.X) < 3 && Math.Abs(p.Z) < 3 ? 600
            : p.Z > 12 && Math.Abs(p.X) < 3 && Math.Abs(p.Y) < 3 ? 400
            : 0), ElementType.Int16);
        using var reference = Volumes.Create(geometry, (x, y, z) => Point(x, y, z, p => Math.Abs(p.X) < 4 && Math.Abs(p.Y) < 4 && Math.Abs(p.Z) < 4 ? 1 : 0));

        var snapshot = SnapshotRenderer.Render(image, null, reference, Organ, Plain with { Window = IntensityWindow.FromRange(0, 1000), PixelsPerMillimetre = 3 });
        Assert.False(snapshot.IsOblique);

        var axial = Png.Decode(snapshot.Panels.Single(p => p.View == SliceView.Axial).Png);
        Assert.True(Centroid(axial, 255).X < axial.Width * 0.25, $"{code}: axial shows the patient's right on the left");
        Assert.True(Centroid(axial, 153).Y < axial.Height * 0.25, $"{code}: axial shows anterior at the top");

        var coronal = Png.Decode(snapshot.Panels.Single(p => p.View == SliceView.Coronal).Png);
        Assert.True(Centroid(coronal, 255).X < coronal.Width * 0.25, $"{code}: coronal shows the patient's right on the left");
        Assert.True(Centroid(coronal, 102).Y < coronal.Height * 0.25, $"{code}: coronal shows superior at the top");

        var sagittal = Png.Decode(snapshot.Panels.Single(p => p.View == SliceView.Sagittal).Png);
        Assert.True(Centroid(sagittal, 153).X < sagittal.Width * 0.25, $"{code}: sagittal shows anterior on the left");
        Assert.True(Centroid(sagittal, 102).Y < sagittal.Height * 0.25, $"{code}: sagittal shows superior at the top");
    }

    [Fact]
    public void SlicesMoveToTheNearestSliceWithForeground()
    {
        // Two slabs at z 0–2 and 13–15: the centroid (z 7.5, rounded to 8) misses both; the nearest foreground slice is 13.
        var geometry = Volumes.Geometry(20, 20, 16, Vector3D.One);
        using var reference = Volumes.Create(geometry, (x, y, z) => x is >= 5 and < 15 && y is >= 5 and < 15 && (z <= 2 || z >= 13) ? 1 : 0);

        var snapshot = SnapshotRenderer.Render(null, null, reference, Organ, Plain);

        var axial = snapshot.Panels.Single(p => p.View == SliceView.Axial);
        Assert.Equal((2, 13, 16), (axial.SourceAxis, axial.SliceIndex, axial.SliceCount));
    }

    [Fact]
    public void SlicesPassThroughAGivenPoint()
    {
        var geometry = Volumes.Geometry(20, 20, 16, new Vector3D(1, 1, 2));
        using var reference = Volumes.Box(geometry, new Index3(5, 5, 5), new Index3(14, 14, 10));
        var point = geometry.IndexToPhysical(3, 17, 12);

        var snapshot = SnapshotRenderer.Render(null, null, reference, Organ, Plain, point);

        Assert.Equal(12, snapshot.Panels.Single(p => p.View == SliceView.Axial).SliceIndex);
        Assert.Equal(17, snapshot.Panels.Single(p => p.View == SliceView.Coronal).SliceIndex);
        Assert.Equal(3, snapshot.Panels.Single(p => p.View == SliceView.Sagittal).SliceIndex);
        Assert.Equal(0, Vector3D.MaxAbsDifference(point, snapshot.Centre), 9);
    }

    [Fact]
    public void OrientationLettersAreDrawnInTheEmbeddedFont()
    {
        var geometry = Volumes.Geometry(40, 40, 20, Vector3D.One);
        using var image = Image.Create(geometry, ElementType.UInt8);
        using var reference = Volumes.Box(geometry, new Index3(18, 18, 8), new Index3(21, 21, 11));

        int WhiteNearLeftEdge(bool letters)
        {
            var png = Png.Decode(SnapshotRenderer.Render(image, null, reference, Organ, Plain with { OrientationLetters = letters }).Panels[0].Png);
            int white = 0;
            for (int y = (png.Height / 2) - 14; y < (png.Height / 2) + 14; y++)
            {
                for (int x = 0; x < 20; x++)
                {
                    white += png[x, y] == (255, 255, 255) ? 1 : 0;
                }
            }

            return white;
        }

        Assert.Equal(0, WhiteNearLeftEdge(letters: false));
        Assert.True(WhiteNearLeftEdge(letters: true) > 20, "the letter R has white pixels");
    }

    [Fact]
    public void AutomaticWindowIsSoftTissueForCtAndPercentilesOtherwise()
    {
        var geometry = Volumes.Geometry(16, 16, 8, Vector3D.One);
        using var reference = Volumes.Box(geometry, new Index3(4, 4, 2), new Index3(11, 11, 5));
        using var ct = Volumes.Create(geometry, (x, y, z) => x < 4 ? -1000 : 40, ElementType.Int16);
        using var mr = Volumes.Create(geometry, (x, y, z) => 100 + (x * 10), ElementType.Int16);

        var ctSnapshot = SnapshotRenderer.Render(ct, null, reference, Organ, Plain with { Window = null });
        Assert.Equal(IntensityWindow.CtSoftTissue, ctSnapshot.Window);
        Assert.True(ctSnapshot.WindowIsAutomatic);

        // MR: values 100..250 over x; 0th–100th percentiles of the shown slices are exactly that range.
        var mrSnapshot = SnapshotRenderer.Render(mr, null, reference, Organ, Plain with { Window = null, LowerPercentile = 0, UpperPercentile = 100 });
        Assert.Equal(IntensityWindow.FromRange(100, 250), mrSnapshot.Window);
    }

    [Fact]
    public void TwoDimensionalImageHasOneView()
    {
        var geometry = new ImageGeometry(ImageSize.Of2D(30, 20), new Vector3D(0.5, 0.5, 1), Vector3D.Zero, Matrix3D.Identity);
        using var reference = Volumes.Box(geometry, new Index3(5, 5, 0), new Index3(20, 15, 0));

        var snapshot = SnapshotRenderer.Render(null, reference, reference, Organ, Plain);

        var panel = Assert.Single(snapshot.Panels);
        Assert.Equal((SliceView.Axial, 60, 40), (panel.View, panel.Width, panel.Height));
    }

    [Fact]
    public void UnknownLabelIsRefused()
    {
        var geometry = Volumes.Geometry(8, 8, 8, Vector3D.One);
        using var reference = Volumes.Box(geometry, new Index3(2, 2, 2), new Index3(5, 5, 5));
        var error = Assert.Throws<ArgumentException>(() => SnapshotRenderer.Render(null, null, reference, Organ, Plain with { Labels = ["liver"] }));
        Assert.Contains("liver", error.Message, StringComparison.Ordinal);
    }

    private static (int Width, int Height) Size(CaseSnapshot snapshot, SliceView view)
    {
        var panel = snapshot.Panels.Single(p => p.View == view);
        var png = Png.Decode(panel.Png);
        Assert.Equal((panel.Width, panel.Height), (png.Width, png.Height));
        return (png.Width, png.Height);
    }

    /// <summary>The mean position of the pixels of grey level <paramref name="grey"/>.</summary>
    private static (double X, double Y) Centroid(Png png, byte grey)
    {
        double sx = 0, sy = 0;
        int count = 0;
        for (int y = 0; y < png.Height; y++)
        {
            for (int x = 0; x < png.Width; x++)
            {
                if (png[x, y] == (grey, grey, grey))
                {
                    sx += x;
                    sy += y;
                    count++;
                }
            }
        }

        Assert.True(count > 0, $"no pixel of grey level {grey}");
        return (sx / count, sy / count);
    }

    private static void Near((byte R, byte G, byte B) expected, (byte R, byte G, byte B) actual, string where) =>
        Assert.True(Math.Abs(expected.R - actual.R) <= 2 && Math.Abs(expected.G - actual.G) <= 2 && Math.Abs(expected.B - actual.B) <= 2,
            $"{where}: expected {expected}, got {actual}");
}
