namespace MedVox.Meshing;

/// <summary>An inclusive box of voxel indices: <c>Min</c> to <c>Max</c> on each axis.</summary>
public readonly record struct VoxelBox(int MinX, int MinY, int MinZ, int MaxX, int MaxY, int MaxZ)
{
    public int SizeX => MaxX - MinX + 1;

    public int SizeY => MaxY - MinY + 1;

    public int SizeZ => MaxZ - MinZ + 1;

    public long VoxelCount => (long)SizeX * SizeY * SizeZ;

    /// <summary>The smallest box holding both.</summary>
    public VoxelBox Union(VoxelBox other) => new(
        Math.Min(MinX, other.MinX), Math.Min(MinY, other.MinY), Math.Min(MinZ, other.MinZ),
        Math.Max(MaxX, other.MaxX), Math.Max(MaxY, other.MaxY), Math.Max(MaxZ, other.MaxZ));

    /// <summary>The box grown by <paramref name="margin"/> voxels on every side (it may then reach outside the image).</summary>
    public VoxelBox Grow(int margin) => new(MinX - margin, MinY - margin, MinZ - margin, MaxX + margin, MaxY + margin, MaxZ + margin);

    public override string ToString() => $"[{MinX}..{MaxX}, {MinY}..{MaxY}, {MinZ}..{MaxZ}]";
}
