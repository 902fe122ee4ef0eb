using MedVox.Imaging;

namespace MedVox.Classical.Abdomen;

/// <summary>
/// A classical (no learning) segmentation of contrast-enhanced abdominal CT in the portal venous phase: HU windows on
/// a smoothed volume, connected components, anatomical position rules in patient coordinates and morphology. Finds
/// the spine, aorta, inferior vena cava, both kidneys, liver, spleen and the gas-containing stomach. A baseline to
/// compare networks against and to demonstrate the pipeline before a network is trained, not a clinical tool: it
/// expects HU values (rescaled), an adult abdomen in the field of view and enhanced organs; on native (non-contrast)
/// scans the kidneys, vessels, liver and spleen lose the contrast the windows rely on.
/// </summary>
public static class AbdomenBaselineSegmenter
{
    /// <summary>How the method describes itself (for reports and the demo).</summary>
    public const string Method = "classical baseline (HU thresholds + connected components + morphology, no learning)";

    /// <summary>
    /// Segments <paramref name="ct"/> (a 3D CT in HU, any element type, any orientation) and returns a uint8 label map
    /// in its geometry with the values of <see cref="AbdomenBaselineOptions.Labels"/>; organs not found stay 0.
    /// </summary>
    public static Image Segment(Image ct, AbdomenBaselineOptions? options = null, CancellationToken cancellation = default)
    {
        var result = Run(ct, options, cancellation);
        return result.Labels;
    }

    /// <summary>As <see cref="Segment"/>, with a line per finding (for reports and the demo).</summary>
    public static AbdomenBaselineResult Run(Image ct, AbdomenBaselineOptions? options = null, CancellationToken cancellation = default)
    {
        BinaryMask.RequireScalarVolume(ct, nameof(ct));
        if (ct.Size.Rank < 3 || ct.Size.Z < 3)
        {
            throw new MedVoxException($"the abdomen baseline needs a 3D CT volume, got {ct.Size}", hint: "give a volume with several slices");
        }

        options ??= new AbdomenBaselineOptions();
        if (!(options.SmoothingMm >= 0) || !double.IsFinite(options.SmoothingMm))
        {
            throw new ArgumentOutOfRangeException(nameof(options), $"SmoothingMm must be a finite number of mm >= 0, got {options.SmoothingMm}.");
        }

        // Rules speak of left, posterior and superior: work on the LPS-ordered copy (an exact permutation, no
        // resampling), so the voxel axes run along the patient's and slices are axial whatever the file's order.
        string code = ct.Geometry.OrientationCode;
        var lps = code == "LPS" ? ct : ct.Reorient("LPS");
        try
        {
            var findings = new List<string>();
            var labels = SegmentLps(lps, options, findings, cancellation);
            if (code != "LPS")
            {
                using var inLps = labels;
                labels = inLps.Reorient(code);
                labels.SetGeometry(ct.Geometry);
            }

            return new AbdomenBaselineResult(labels, findings);
        }
        finally
        {
            if (!ReferenceEquals(lps, ct))
            {
                lps.Dispose();
            }
        }
    }

    private static Image SegmentLps(Image ct, AbdomenBaselineOptions options, List<string> findings, CancellationToken cancellation)
    {
        var body = BodyRegion.FindMask(ct, BodyRegion.DefaultThresholdHu, openingMm: 0);
        var box = body.Bounds() ?? throw new MedVoxException(
            $"no body found: no voxel lies above {BodyRegion.DefaultThresholdHu} HU", hint: "check that the image is a CT in Hounsfield units (rescaled)");
        cancellation.ThrowIfCancellationRequested();
        byte[] boxLabels;
        using (var view = box.CropView(ct))
        using (var hu = view.ConvertTo(ElementType.Float32))
        {
            var scene = new AbdomenScene(hu, new BinaryMask(hu.Geometry, body.Extract(box)), options, cancellation);
            boxLabels = scene.Run();
            findings.AddRange(scene.Notes);
        }

        var result = Image.Create(ct.Geometry, ElementType.UInt8);
        int bx = box.SizeX, by = box.SizeY;
        for (int z = 0; z < box.SizeZ; z++)
        {
            for (int y = 0; y < by; y++)
            {
                boxLabels.AsSpan(((z * by) + y) * bx, bx).CopyTo(result.GetRow<byte>(box.Min.Y + y, box.Min.Z + z)[box.Min.X..]);
            }
        }

        return result;
    }
}
