using MedVox.Geometry;
using MedVox.Imaging;
using MedVox.Synthetic.Rendering;

namespace MedVox.Synthetic.Abdomen;

/// <summary>
/// Abdominal CT phantoms in Hounsfield units (int16) with exact labels (uint8, <see cref="AbdomenLabels"/>): body
/// outline, subcutaneous fat, muscle, spine and ribs, liver, spleen, kidneys, stomach, pancreas, aorta, IVC and a
/// vessel tree whose smallest branches are 1-2 voxels across. Axial geometry (identity direction, LPS), centred on the
/// patient.
/// </summary>
public static class AbdomenPhantom
{
    /// <summary>The kind name that seeds abdomen cases.</summary>
    public const string Kind = "abdomen";

    /// <summary>
    /// Generates case <paramref name="caseIndex"/> of a dataset made with <paramref name="seed"/>: the same arguments give
    /// the same voxels on any machine and thread count.
    /// </summary>
    public static AbdomenCase Generate(AbdomenOptions options, int seed, int caseIndex, IProgress<double>? progress = null, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var geometry = GeometryFor(options);
        var random = PhantomRandom.ForCase(seed, Kind, caseIndex);
        double minSpacing = Math.Min(geometry.Spacing.X, Math.Min(geometry.Spacing.Y, geometry.Spacing.Z));
        double maxSpacing = Math.Max(geometry.Spacing.X, Math.Max(geometry.Spacing.Y, geometry.Spacing.Z));
        double drawnNoise = random.Uniform(10, 20);
        double noise = options.NoiseSd ?? drawnNoise;
        var anatomy = AbdomenAnatomy.Build(random, minSpacing, maxSpacing, options.Contrast);
        var image = Image.Create(geometry, ElementType.Int16, 1, options.Allocation);
        var labels = Image.Create(geometry, ElementType.UInt8, 1, options.Allocation);
        try
        {
            var settings = new RenderSettings { NoiseSd = noise, NoiseKey = PhantomRandom.CaseKey(seed, Kind, caseIndex) };
            VolumeRasterizer.Render(anatomy.Structures, image, labels, settings, progress, cancellation);
        }
        catch
        {
            image.Dispose();
            labels.Dispose();
            throw;
        }

        image.Metadata["description"] = $"MedVox abdomen phantom, seed {seed}, case {caseIndex}, {options.Contrast}";
        return new AbdomenCase(image, labels, anatomy.Vessels, anatomy.TerminalRadius, noise);
    }

    /// <summary>The grid of <paramref name="options"/>: axial, centred on the patient, spacing as requested.</summary>
    public static ImageGeometry GeometryFor(AbdomenOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        int n = options.Size;
        int slices = options.Slices ?? n;
        double spacing = options.Spacing ?? (AbdomenOptions.FieldOfView / n);
        double sliceSpacing = options.SliceSpacing ?? (AbdomenOptions.FieldOfViewZ / slices);
        var origin = new Vector3D(-0.5 * (n - 1) * spacing, -0.5 * (n - 1) * spacing, AbdomenAnatomy.CenterZ - (0.5 * (slices - 1) * sliceSpacing));
        return new ImageGeometry(ImageSize.Of3D(n, n, slices), new Vector3D(spacing, spacing, sliceSpacing), origin, Matrix3D.Identity);
    }
}

/// <summary>An abdomen case with its ground truth beyond the labels.</summary>
public sealed class AbdomenCase : PhantomCase
{
    internal AbdomenCase(Image image, Image labels, IReadOnlyList<VesselBranch> vessels, double terminalRadius, double noiseSd)
        : base([image], labels)
    {
        Vessels = vessels;
        TerminalRadius = terminalRadius;
        NoiseSd = noiseSd;
    }

    /// <summary>Radius (mm) at which the smallest vessel branches end.</summary>
    public double TerminalRadius { get; }

    /// <summary>Standard deviation (HU) of the noise that was added.</summary>
    public double NoiseSd { get; }

    internal IReadOnlyList<VesselBranch> Vessels { get; }
}
