using System.Text.Json;
using MedVox.Learning.Data;
using MedVox.Testing;

namespace MedVox.Learning.Tests.Data;

public class DatasetFingerprintTests
{
    [Fact]
    public void ForegroundStatisticsSizesAndBoxesMatchNumpyOnTheNiftiFiles()
    {
        TestData.RequirePython("numpy", "nibabel");
        using var folder = TestData.CreateTempFolder();
        var dataset = DataFixtures.Abdomen(folder, cases: 2);

        var fingerprint = DatasetFingerprint.Compute(dataset, cancellation: TestContext.Current.CancellationToken);

        const string script = """
import sys, json, numpy as np, nibabel as nib
root, ids = sys.argv[1], sys.argv[2:]
def stats(v):
    return dict(mean=float(v.mean()), std=float(v.std()), median=float(np.median(v)), p005=float(np.percentile(v, 0.5)),
                p995=float(np.percentile(v, 99.5)), min=float(v.min()), max=float(v.max()), n=int(v.size))
out, pooled = {}, []
for i in ids:
    img = nib.load(f'{root}/imagesTr/{i}_0000.nii')
    data = img.get_fdata()
    lab = np.asanyarray(nib.load(f'{root}/labelsTr/{i}.nii').dataobj)
    fg = data[lab > 0]
    pooled.append(fg)
    nz = np.argwhere(data != 0)
    values, counts = np.unique(lab, return_counts=True)
    out[i] = dict(stats=stats(fg), shape=list(data.shape), zooms=[float(z) for z in img.header.get_zooms()[:3]],
                  start=nz.min(0).tolist(), size=(nz.max(0) - nz.min(0) + 1).tolist(),
                  labels={str(int(v)): int(c) for v, c in zip(values, counts)})
out['pooled'] = stats(np.concatenate(pooled))
print(json.dumps(out))
""";
        string[] ids = [.. dataset.TrainingCases.Select(c => c.Id)];
        using var oracle = JsonDocument.Parse(ProcessRunner.Python(script, [dataset.Directory, .. ids]));

        Assert.Equal(2, fingerprint.Cases.Count);
        foreach (var item in fingerprint.Cases)
        {
            var expected = oracle.RootElement.GetProperty(item.Id);
            AssertStatistics(expected.GetProperty("stats"), item.Foreground[0]);
            Assert.Equal(expected.GetProperty("shape").EnumerateArray().Select(e => e.GetInt32()), item.Size);
            Assert.Equal(expected.GetProperty("start").EnumerateArray().Select(e => e.GetInt32()), item.NonzeroStart);
            Assert.Equal(expected.GetProperty("size").EnumerateArray().Select(e => e.GetInt32()), item.NonzeroSize);
            var zooms = expected.GetProperty("zooms").EnumerateArray().Select(e => e.GetDouble()).ToArray();
            for (int a = 0; a < 3; a++)
            {
                Assert.Equal(zooms[a], item.Spacing[a], 5);
            }

            var labels = expected.GetProperty("labels").EnumerateObject().ToDictionary(p => int.Parse(p.Name), p => p.Value.GetInt64());
            Assert.Equal(labels, item.LabelVoxels);
            Assert.Equal(labels.Where(p => p.Key > 0).Sum(p => p.Value), item.ForegroundVoxels);
        }

        // Each case has fewer foreground voxels than its share of the sample budget, so the pooled sample is all of them.
        AssertStatistics(oracle.RootElement.GetProperty("pooled"), fingerprint.ForegroundIntensities[0]);
        Assert.Equal(new[] { 1.2, 1.2, 4.0 }, fingerprint.MedianSpacing.Select(s => Math.Round(s, 5)));
    }

    [Fact]
    public void SamplingIsUniformWithoutReplacementAndDeterministic()
    {
        using var folder = TestData.CreateTempFolder();
        var dataset = DataFixtures.Abdomen(folder, cases: 2);
        var options = new FingerprintOptions { ForegroundSampleBudget = 2000 };
        var ct = TestContext.Current.CancellationToken;

        var first = DatasetFingerprint.Compute(dataset, options, cancellation: ct);
        var second = DatasetFingerprint.Compute(dataset, options, cancellation: ct);
        var exact = DatasetFingerprint.Compute(dataset, cancellation: ct);

        Assert.Equal(1000, first.SamplesPerCase);
        Assert.Equal(1000, first.Cases[0].Foreground[0].Sampled);
        Assert.Equal(2000, first.ForegroundIntensities[0].Sampled);
        Assert.Equal(JsonSerializer.Serialize(first), JsonSerializer.Serialize(second));

        // Moments are exact whatever the sample; the sampled median is close to the exact one.
        var sampled = first.Cases[0].Foreground[0];
        var all = exact.Cases[0].Foreground[0];
        Assert.Equal(all.Mean, sampled.Mean, 9);
        Assert.Equal(all.Count, sampled.Count);
        Assert.True(Math.Abs(sampled.Median - all.Median) < 0.1 * all.StandardDeviation, $"sampled median {sampled.Median}, exact {all.Median}");
    }

    [Fact]
    public void SavedFingerprintLoadsBackEqual()
    {
        using var folder = TestData.CreateTempFolder();
        var dataset = DataFixtures.Abdomen(folder, cases: 2);
        var fingerprint = DatasetFingerprint.Compute(dataset, cancellation: TestContext.Current.CancellationToken);
        string path = folder.File(DatasetFingerprint.FileName);

        fingerprint.Save(path);
        var loaded = DatasetFingerprint.Load(path);

        Assert.Equal(JsonSerializer.Serialize(fingerprint), JsonSerializer.Serialize(loaded));
        Assert.Contains("\"percentile99_5\"", File.ReadAllText(path), StringComparison.Ordinal);
    }

    [Fact]
    public void ABadCaseFailsTheFingerprintWithItsFileNamed()
    {
        using var folder = TestData.CreateTempFolder();
        var dataset = DataFixtures.Empty(folder);
        var (image, label) = DataFixtures.BoxCase(DataFixtures.Geometry(8, 8, 4), new(1, 1, 1), new(5, 5, 2), seed: 1);
        using (image)
        using (label)
        {
            label.SetValue(2, 2, 2, 9);
            dataset.WriteTrainingCase("bad", [image], label);
        }

        var error = Assert.Throws<MedVoxException>(() => DatasetFingerprint.Compute(dataset, cancellation: TestContext.Current.CancellationToken));

        Assert.Contains("label value 9", error.Message, StringComparison.Ordinal);
        Assert.Equal(dataset.LabelPath("bad"), error.FilePath);
    }

    private static void AssertStatistics(JsonElement expected, IntensityStatistics actual)
    {
        Assert.Equal(expected.GetProperty("n").GetInt64(), actual.Count);
        Assert.Equal(expected.GetProperty("mean").GetDouble(), actual.Mean, 6);
        Assert.Equal(expected.GetProperty("std").GetDouble(), actual.StandardDeviation, 6);
        Assert.Equal(expected.GetProperty("median").GetDouble(), actual.Median, 6);
        Assert.Equal(expected.GetProperty("p005").GetDouble(), actual.Percentile00_5, 6);
        Assert.Equal(expected.GetProperty("p995").GetDouble(), actual.Percentile99_5, 6);
        Assert.Equal(expected.GetProperty("min").GetDouble(), actual.Min, 6);
        Assert.Equal(expected.GetProperty("max").GetDouble(), actual.Max, 6);
    }
}
