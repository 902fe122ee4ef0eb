using MedVox.Dicom.Series;
using MedVox.Dicom.Writing;
using MedVox.Geometry;
using MedVox.Imaging;
using MedVox.Testing;

namespace MedVox.Dicom.Tests;

public class SeriesTests
{
    [Fact]
    public void ShuffledObliqueSeriesLoadsSortedByPositionWithItsGeometry()
    {
        using var folder = TestData.CreateTempFolder();
        var geometry = SyntheticSeries.Oblique(12, 10, 7);
        using var volume = SyntheticSeries.Volume(geometry);
        DicomCtWriter.WriteSeries(volume, folder.Path, new DicomCtWriter.SeriesOptions { Shuffle = true, Seed = 3 });

        var scan = DicomSeriesScanner.Scan(folder.Path);
        var series = Assert.Single(scan.Series);
        Assert.Equal(7, series.SliceCount);
        Assert.Equal("CT", series.Modality);
        Assert.Empty(series.Problems);
        Assert.Empty(series.SpacingIrregularities);
        Assert.Equal(ImageSize.Of3D(12, 10, 7), series.Size);

        using var loaded = DicomSeriesLoader.Load(folder.Path);
        Assert.Equal(ElementType.Int16, loaded.Image.ElementType);
        ImageAssert.SamePixels(volume, loaded.Image);
        ImageAssert.SameGeometry(volume, loaded.Image, 1e-6);
    }

    [Fact]
    public void ProgressReachesEveryFileAndSlice()
    {
        using var folder = TestData.CreateTempFolder();
        using var volume = SyntheticSeries.Volume(SyntheticSeries.Oblique(5, 4, 6));
        DicomCtWriter.WriteSeries(volume, folder.Path);
        var reports = new System.Collections.Concurrent.ConcurrentBag<DicomProgress>();
        var progress = new SynchronousProgress(reports.Add);
        using var loaded = DicomSeriesLoader.Load(folder.Path, new DicomLoadOptions { Progress = progress, MaxParallelism = 2 });
        Assert.Equal(6, reports.Count(r => r.Stage == "scan"));
        Assert.Equal(6, reports.Count(r => r.Stage == "load"));
        Assert.Contains(reports, r => r.Stage == "load" && r.Done == 6 && r.Total == 6);
    }

    private sealed class SynchronousProgress(Action<DicomProgress> report) : IProgress<DicomProgress>
    {
        public void Report(DicomProgress value) => report(value);
    }

    [Fact]
    public void RescaleGivesHounsfieldUnitsAsInt16OrFloat32()
    {
        using var folder = TestData.CreateTempFolder();
        var uid = DicomCtWriter.NewUid();
        var pixels = new short[] { 0, 1, 2, 3000 };
        for (int k = 0; k < 2; k++)
        {
            DicomCtWriter.Write(folder.File($"s{k}.dcm"), new DicomCtSlice
            {
                Rows = 2,
                Columns = 2,
                Pixels = pixels,
                Position = new Vector3D(0, 0, k * 2.0),
                RescaleSlope = k == 0 ? 1 : 0.5,
                RescaleIntercept = -1024,
                StudyInstanceUid = uid,
                SeriesInstanceUid = uid + ".1",
                SopInstanceUid = DicomCtWriter.NewUid(),
                FrameOfReferenceUid = uid + ".2",
            });
        }

        using var loaded = DicomSeriesLoader.Load(folder.Path);
        // Slope 0.5 on one slice makes the rescale inexact in integers: float32, values by hand.
        Assert.Equal(ElementType.Float32, loaded.Image.ElementType);
        Assert.Equal(-1024, loaded.Image.GetValue(0, 0, 0));
        Assert.Equal(1976, loaded.Image.GetValue(1, 1, 0));
        Assert.Equal(-1023.5, loaded.Image.GetValue(1, 0, 1));
        Assert.Equal(476, loaded.Image.GetValue(1, 1, 1));

        File.Delete(folder.File("s1.dcm"));
        using var single = DicomSeriesLoader.Load(folder.Path);
        Assert.Equal(ElementType.Int16, single.Image.ElementType);
        Assert.Equal(-1022, single.Image.GetValue(0, 1, 0));
    }

    [Fact]
    public void RescaleBeyondInt16FallsBackToFloat32()
    {
        // Stored -32768 with intercept -1024 gives -33792 HU, outside int16: the loader must not wrap it.
        using var folder = TestData.CreateTempFolder();
        var uid = DicomCtWriter.NewUid();
        DicomCtWriter.Write(folder.File("s.dcm"), new DicomCtSlice
        {
            Rows = 2,
            Columns = 2,
            Pixels = new short[] { -32768, 0, 1, 32767 },
            Position = Vector3D.Zero,
            RescaleIntercept = -1024,
            StudyInstanceUid = uid,
            SeriesInstanceUid = uid + ".1",
            SopInstanceUid = DicomCtWriter.NewUid(),
            FrameOfReferenceUid = uid + ".2",
        });

        using var loaded = DicomSeriesLoader.Load(folder.Path);
        Assert.Equal(ElementType.Float32, loaded.Image.ElementType);
        Assert.Equal(new[] { -33792.0, -1024, -1023, 31743 }, new[] { loaded.Image.GetValue(0, 0, 0), loaded.Image.GetValue(1, 0, 0), loaded.Image.GetValue(0, 1, 0), loaded.Image.GetValue(1, 1, 0) });
    }

    [Fact]
    public void GapIsReportedAndRefusedWarnedOrResampledOnRequest()
    {
        using var folder = TestData.CreateTempFolder();
        var geometry = SyntheticSeries.Oblique(6, 5, 8, sliceSpacing: 2.0);
        using var volume = SyntheticSeries.Volume(geometry);
        DicomCtWriter.WriteSeries(volume, folder.Path, new DicomCtWriter.SeriesOptions { Skip = new HashSet<int> { 3 } });

        var series = Assert.Single(DicomSeriesScanner.Scan(folder.Path).Series);
        var gap = Assert.Single(series.SpacingIrregularities);
        Assert.Contains("gap of 4 mm", gap, StringComparison.Ordinal);
        Assert.Contains("1 slice(s) missing", gap, StringComparison.Ordinal);
        Assert.Contains("slice0002.dcm", gap, StringComparison.Ordinal);

        var refused = Assert.Throws<InvalidImageFileException>(() => DicomSeriesLoader.Load(folder.Path, new DicomLoadOptions { IrregularSpacing = IrregularSpacingPolicy.Refuse }));
        Assert.Contains("gap of 4 mm", refused.Message, StringComparison.Ordinal);

        using (var warned = DicomSeriesLoader.Load(folder.Path, new DicomLoadOptions { IrregularSpacing = IrregularSpacingPolicy.Warn }))
        {
            Assert.Equal(7, warned.Image.Size.Z);
            Assert.Contains(warned.Warnings, w => w.Contains("not evenly spaced", StringComparison.Ordinal));
        }

        using var resampled = DicomSeriesLoader.Load(folder.Path, new DicomLoadOptions { IrregularSpacing = IrregularSpacingPolicy.Resample });
        // The values are linear in z, so linear interpolation restores the missing slice exactly.
        ImageAssert.SamePixels(volume, resampled.Image);
        ImageAssert.SameGeometry(volume, resampled.Image, 1e-6);
    }

    [Fact]
    public void GantryTiltIsWarned()
    {
        using var folder = TestData.CreateTempFolder();
        var geometry = new ImageGeometry(ImageSize.Of3D(4, 4, 5), new Vector3D(1, 1, 3), new Vector3D(0, 0, 0), Matrix3D.Identity);
        using var volume = SyntheticSeries.Volume(geometry);
        DicomCtWriter.WriteSeries(volume, folder.Path, new DicomCtWriter.SeriesOptions { GantryTiltDegrees = 15 });

        var series = Assert.Single(DicomSeriesScanner.Scan(folder.Path).Series);
        Assert.Contains(series.Warnings, w => w.Contains("gantry tilt", StringComparison.Ordinal) && w.Contains("15", StringComparison.Ordinal));
        Assert.Empty(series.SpacingIrregularities);
        Assert.Equal(3, series.Spacing.Z, 6);
    }

    [Fact]
    public void TwoSeriesInOneFolderMustBeChosen()
    {
        using var folder = TestData.CreateTempFolder();
        using var a = SyntheticSeries.Volume(SyntheticSeries.Oblique(4, 4, 3));
        using var b = SyntheticSeries.Volume(new ImageGeometry(ImageSize.Of3D(5, 3, 4)));
        var study = DicomCtWriter.NewUid();
        string uidA = DicomCtWriter.NewUid(), uidB = DicomCtWriter.NewUid();
        DicomCtWriter.WriteSeries(a, Path.Combine(folder.Path, "mixed"), new DicomCtWriter.SeriesOptions { Shuffle = true, Seed = 1, SeriesInstanceUid = uidA, StudyInstanceUid = study, SeriesNumber = 2 });
        DicomCtWriter.WriteSeries(b, Path.Combine(folder.Path, "mixed", "b"), new DicomCtWriter.SeriesOptions { SeriesInstanceUid = uidB, StudyInstanceUid = study, SeriesNumber = 3 });

        var scan = DicomSeriesScanner.Scan(folder.Path);
        var studyInfo = Assert.Single(scan.Studies);
        Assert.Equal([uidA, uidB], studyInfo.Series.Select(s => s.SeriesInstanceUID));

        var ambiguous = Assert.Throws<MedVoxException>(() => DicomSeriesLoader.Load(folder.Path));
        Assert.Contains(uidA, ambiguous.Message, StringComparison.Ordinal);
        Assert.Contains(uidB, ambiguous.Message, StringComparison.Ordinal);

        using var loaded = DicomSeriesLoader.Load(folder.Path, new DicomLoadOptions { SeriesUid = uidB });
        ImageAssert.Identical(b, loaded.Image, 1e-6);
    }

    [Fact]
    public void SliceOfAnotherSizeInTheMiddleSplitsTheSeriesAndIsNamed()
    {
        using var folder = TestData.CreateTempFolder();
        var geometry = new ImageGeometry(ImageSize.Of3D(6, 6, 5), new Vector3D(1, 1, 2), Vector3D.Zero, Matrix3D.Identity);
        using var volume = SyntheticSeries.Volume(geometry);
        string uid = DicomCtWriter.NewUid(), study = DicomCtWriter.NewUid();
        DicomCtWriter.WriteSeries(volume, folder.Path, new DicomCtWriter.SeriesOptions { SeriesInstanceUid = uid, StudyInstanceUid = study, Skip = new HashSet<int> { 2 } });
        string odd = folder.File("odd.dcm");
        DicomCtWriter.Write(odd, new DicomCtSlice
        {
            Rows = 3,
            Columns = 3,
            Pixels = new short[9],
            Position = new Vector3D(0, 0, 4),
            StudyInstanceUid = study,
            SeriesInstanceUid = uid,
            SopInstanceUid = DicomCtWriter.NewUid(),
            FrameOfReferenceUid = DicomCtWriter.NewUid(),
        });

        var error = Assert.Throws<MedVoxException>(() => DicomSeriesLoader.Load(folder.Path));
        Assert.Contains("odd.dcm", error.Message, StringComparison.Ordinal);
        Assert.Contains($"{uid}#", error.Message, StringComparison.Ordinal);

        // The main stack loads on request, with its gap and the odd slice reported.
        using var main = DicomSeriesLoader.Load(folder.Path, new DicomLoadOptions { SeriesUid = uid + "#1" });
        Assert.Equal(4, main.Image.Size.Z);
        Assert.Contains(main.Warnings, w => w.Contains("odd.dcm", StringComparison.Ordinal));
        Assert.Contains(main.Warnings, w => w.Contains("1 slice(s) missing", StringComparison.Ordinal));
    }

    [Fact]
    public void OrientationChangeInsideASeriesMakesSeparateStacks()
    {
        // A localizer-like series: 3 axial and 2 coronal slices under one SeriesInstanceUID.
        using var folder = TestData.CreateTempFolder();
        string uid = DicomCtWriter.NewUid(), study = DicomCtWriter.NewUid();
        using var axial = SyntheticSeries.Volume(new ImageGeometry(ImageSize.Of3D(4, 4, 3), new Vector3D(1, 1, 2), Vector3D.Zero, Matrix3D.Identity));
        using var coronal = SyntheticSeries.Volume(new ImageGeometry(ImageSize.Of3D(4, 4, 2), new Vector3D(1, 1, 2), Vector3D.Zero,
            Matrix3D.FromColumns(new Vector3D(1, 0, 0), new Vector3D(0, 0, -1), new Vector3D(0, 1, 0))));
        DicomCtWriter.WriteSeries(axial, folder.File("ax"), new DicomCtWriter.SeriesOptions { SeriesInstanceUid = uid, StudyInstanceUid = study });
        DicomCtWriter.WriteSeries(coronal, folder.File("cor"), new DicomCtWriter.SeriesOptions { SeriesInstanceUid = uid, StudyInstanceUid = study });

        var stacks = DicomSeriesScanner.Scan(folder.Path).Series.ToList();
        Assert.Equal([uid + "#1", uid + "#2"], stacks.Select(s => s.Id));
        Assert.Equal([3, 2], stacks.Select(s => s.SliceCount));
        Assert.All(stacks, s => Assert.Contains(s.Warnings, w => w.Contains("splits into 2 stacks", StringComparison.Ordinal)));
        using var loaded = DicomSeriesLoader.Load(folder.Path, new DicomLoadOptions { SeriesUid = uid + "#2" });
        ImageAssert.Identical(coronal, loaded.Image, 1e-6);
    }

    [Fact]
    public void RepeatedPositionsBecomeTimePoints()
    {
        // Two passes over the same positions in one series (instance numbers 1-3, then 4-6): a 4D volume, t by instance number.
        using var folder = TestData.CreateTempFolder();
        string uid = DicomCtWriter.NewUid(), study = DicomCtWriter.NewUid();
        var geometry = SyntheticSeries.Oblique(4, 3, 3);
        using var first = SyntheticSeries.Volume(geometry);
        using var second = SyntheticSeries.Volume(geometry);
        second.AsSpan<short>().Fill(7);
        DicomCtWriter.WriteSeries(first, folder.File("b"), new DicomCtWriter.SeriesOptions { SeriesInstanceUid = uid, StudyInstanceUid = study });
        DicomCtWriter.WriteSeries(second, folder.File("a"), new DicomCtWriter.SeriesOptions { SeriesInstanceUid = uid, StudyInstanceUid = study, InstanceNumberOffset = 3 });

        using var loaded = DicomSeriesLoader.Load(folder.Path);
        Assert.Equal(ImageSize.Of4D(4, 3, 3, 2), loaded.Image.Size);
        Assert.Contains(loaded.Warnings, w => w.Contains("2 time points", StringComparison.Ordinal));
        Assert.Equal(first.GetSlice<short>(2).ToArray(), loaded.Image.GetSlice<short>(2, 0).ToArray());
        Assert.All(loaded.Image.GetSlice<short>(1, 1).ToArray(), v => Assert.Equal(7, v));
        using var firstTime = loaded.Image.Crop(Index3.Zero, ImageSize.Of3D(4, 3, 3), 0..1);
        ImageAssert.SameGeometry(first, firstTime, 1e-6);
    }

    [Fact]
    public void DuplicateFilesOfOneInstanceAreSkippedNotTakenForTimePoints()
    {
        using var folder = TestData.CreateTempFolder();
        using var volume = SyntheticSeries.Volume(SyntheticSeries.Oblique(4, 4, 3));
        var paths = DicomCtWriter.WriteSeries(volume, folder.Path);
        File.Copy(paths[1], folder.File("copy-of-slice1.dcm"));

        var scan = DicomSeriesScanner.Scan(folder.Path);
        Assert.Equal(3, Assert.Single(scan.Series).SliceCount);
        Assert.Contains(scan.Skipped, s => s.Reason.Contains("duplicate", StringComparison.Ordinal));
        using var loaded = DicomSeriesLoader.Load(folder.Path);
        ImageAssert.Identical(volume, loaded.Image, 1e-6);
    }

    [Fact]
    public void NonDicomFilesAreSkippedWithTheirReason()
    {
        using var folder = TestData.CreateTempFolder();
        using var volume = SyntheticSeries.Volume(SyntheticSeries.Oblique(4, 3, 3));
        DicomCtWriter.WriteSeries(volume, folder.Path);
        File.WriteAllText(folder.File("README.txt"), "Test Files used for testing\n");
        File.WriteAllBytes(folder.File("empty"), []);
        File.Copy(Path.Combine(TestData.PydicomData, "zipMR.gz"), folder.File("zipMR.gz"));
        File.Copy(Path.Combine(TestData.PydicomData, "rtplan.dcm"), folder.File("rtplan.dcm"));

        var scan = DicomSeriesScanner.Scan(folder.Path);
        Assert.Single(scan.Series);
        Assert.Equal(4, scan.Skipped.Count);
        Assert.Contains(scan.Skipped, s => s.Path.EndsWith("README.txt", StringComparison.Ordinal) && s.Reason.Contains("not a DICOM file", StringComparison.Ordinal));
        Assert.Contains(scan.Skipped, s => s.Path.EndsWith("zipMR.gz", StringComparison.Ordinal) && s.Reason.Contains("gzip", StringComparison.Ordinal));
        Assert.Contains(scan.Skipped, s => s.Path.EndsWith("rtplan.dcm", StringComparison.Ordinal) && s.Reason.Contains("no pixel data", StringComparison.Ordinal));

        using var loaded = DicomSeriesLoader.Load(folder.Path);
        ImageAssert.Identical(volume, loaded.Image, 1e-6);
        Assert.Contains(loaded.Warnings, w => w.Contains("4 file(s) skipped", StringComparison.Ordinal));
    }

    [Fact]
    public void TruncatedSliceFailsNamingTheFile()
    {
        using var folder = TestData.CreateTempFolder();
        using var volume = SyntheticSeries.Volume(SyntheticSeries.Oblique(8, 8, 4));
        var paths = DicomCtWriter.WriteSeries(volume, folder.Path);
        var bytes = File.ReadAllBytes(paths[2]);
        File.WriteAllBytes(paths[2], bytes[..^40]);

        var error = Assert.Throws<InvalidImageFileException>(() => DicomSeriesLoader.Load(folder.Path));
        Assert.Contains(paths[2], error.Message, StringComparison.Ordinal);
        Assert.Contains("truncated", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void RealSeriesFromPydicomLoadsInPositionOrder()
    {
        // dicomdirtests/98892001/CT5N: five 16x16 CT slices; the expected order and spacing come from their
        // ImagePositionPatient values (dcmdump), not from file names or instance numbers.
        string folder = Path.Combine(TestData.PydicomData, "dicomdirtests", "98892001", "CT5N");
        var series = Assert.Single(DicomSeriesScanner.Scan(folder).Series);
        using var loaded = DicomSeriesLoader.Load(series);
        Assert.Equal(5, loaded.Image.Size.Z);
        var order = series.Stack.Ordered.Select(s => s.Distance).ToList();
        Assert.Equal(order.Order().ToList(), order);
        var firstFile = DicomFile.Open(series.Stack.Ordered[0].File.Path);
        var origin = firstFile.Dataset.GetDoubles(DicomTag.ImagePositionPatient);
        Assert.Equal(new Vector3D(origin[0], origin[1], origin[2]), loaded.Image.Geometry.Origin);
    }
}
