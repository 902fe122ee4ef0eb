namespace MedVox.Synthetic;

/// <summary>The phantom datasets MedVox generates.</summary>
public enum PhantomKind
{
    /// <summary>3D abdominal CT with 14 labelled structures (segmentation).</summary>
    Abdomen,

    /// <summary>2D axial head CT slices with and without subarachnoid hemorrhage (slice classification).</summary>
    Head,

    /// <summary>3D CT colonography with polyps (detection; centres and diameters as ground truth).</summary>
    Colon,

    /// <summary>2D chest radiographs with lungs, heart and clavicles (2D segmentation).</summary>
    XRay,

    /// <summary>2D colour fundus photographs with vessels and optic disc (2D segmentation).</summary>
    Fundus,
}
