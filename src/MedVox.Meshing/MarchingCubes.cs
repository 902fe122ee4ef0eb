using System.Buffers;
using System.Numerics;
using System.Runtime.InteropServices;
using MedVox.Geometry;
using MedVox.Imaging;

namespace MedVox.Meshing;

/// <summary>
/// Isosurface extraction by marching cubes with the crack-free case table of <see cref="MarchingCubesTable"/>: the
/// surface where a scalar volume crosses a level, as a closed, consistently oriented, shared-vertex triangle mesh in
/// physical coordinates (spacing, origin and direction applied; winding kept outward for mirroring directions too).
/// Values at or above the level are inside. The volume is cut into slabs of planes processed in parallel; each grid
/// edge gets one vertex, shared by every triangle that uses it, including across slab boundaries.
/// </summary>
public static class MarchingCubes
{
    /// <summary>Planes per slab: fixed, so that the output (vertex order included) does not depend on the number of cores.</summary>
    private const int LayersPerSlab = 16;

    /// <summary>Vertices are kept this far (in edge lengths) from grid points, so no triangle collapses when a value equals the level.</summary>
    private const double EdgeMargin = 1e-3;

    /// <summary>
    /// The isosurface of a scalar 3D image at <paramref name="level"/> in the image's physical space (LPS mm). Float32
    /// images are read in place; other element types are converted a plane at a time (no copy of the volume). Surfaces that reach the border of
    /// the image stay open there; pad the image (or use <see cref="LabelSurface"/>) for closed surfaces.
    /// </summary>
    public static TriangleMesh Extract(Image image, double level)
    {
        ArgumentNullException.ThrowIfNull(image);
        if (image.Channels != 1 || image.Size.T != 1)
        {
            throw new ArgumentException($"Marching cubes needs a scalar 3D image; this one is {image}.", nameof(image));
        }

        return Extract(ScalarVolume.Of(image), (float)level, image.Geometry, Vector3D.Zero);
    }

    /// <summary>
    /// The isosurface of <paramref name="volume"/>, whose index (0, 0, 0) is index <paramref name="indexOffset"/> of
    /// <paramref name="geometry"/> (a padded or cropped box of the image).
    /// </summary>
    internal static TriangleMesh Extract(ScalarVolume volume, float level, ImageGeometry geometry, Vector3D indexOffset)
    {
        if (volume.SizeX < 2 || volume.SizeY < 2 || volume.SizeZ < 2)
        {
            return TriangleMesh.Empty;
        }

        var map = new IndexMap(geometry.Origin + (geometry.IndexToPhysicalMatrix * indexOffset), geometry.IndexToPhysicalMatrix);
        int layers = volume.SizeZ - 1;
        int slabCount = (layers + LayersPerSlab - 1) / LayersPerSlab;
        var slabs = new MeshSlab[slabCount];
        for (int s = 0; s < slabCount; s++)
        {
            slabs[s] = new MeshSlab(volume, level, map, s * LayersPerSlab, Math.Min(layers, (s + 1) * LayersPerSlab), s == slabCount - 1);
        }

        Parallel.For(0, slabCount, s => slabs[s].Run());
        return Merge(slabs);
    }

    /// <summary>
    /// The volume enclosed by the isosurface in cubed index units (multiply by the voxel volume for mm³), from the same
    /// triangles <see cref="Extract(ScalarVolume, float, ImageGeometry, Vector3D)"/> would build, without building them.
    /// </summary>
    internal static double EnclosedIndexVolume(ScalarVolume volume, float level)
    {
        if (volume.SizeX < 2 || volume.SizeY < 2 || volume.SizeZ < 2)
        {
            return 0;
        }

        int layers = volume.SizeZ - 1;
        int slabCount = (layers + LayersPerSlab - 1) / LayersPerSlab;
        var reference = new Vector3D(volume.SizeX / 2.0, volume.SizeY / 2.0, volume.SizeZ / 2.0);
        var slabs = new VolumeSlab[slabCount];
        for (int s = 0; s < slabCount; s++)
        {
            slabs[s] = new VolumeSlab(volume, level, s * LayersPerSlab, Math.Min(layers, (s + 1) * LayersPerSlab), reference);
        }

        Parallel.For(0, slabCount, s => slabs[s].Run());
        double sixfold = 0;
        foreach (var slab in slabs)
        {
            sixfold += slab.Sixfold;
        }

        return sixfold / 6;
    }

    /// <summary>Joins the slabs' vertices and resolves each reference to the next slab's bottom plane.</summary>
    private static TriangleMesh Merge(MeshSlab[] slabs)
    {
        var offsets = new int[slabs.Length + 1];
        long triangleIndices = 0;
        for (int s = 0; s < slabs.Length; s++)
        {
            offsets[s + 1] = checked(offsets[s] + slabs[s].Vertices.Count);
            triangleIndices += slabs[s].Triangles.Count;
        }

        if (triangleIndices > Array.MaxLength)
        {
            throw new InvalidOperationException($"The surface has {triangleIndices / 3} triangles, more than one mesh holds; mesh a coarser or cropped volume.");
        }

        var vertices = new Vector3D[offsets[slabs.Length]];
        var triangles = new int[triangleIndices];
        var starts = new long[slabs.Length];
        for (int s = 1; s < slabs.Length; s++)
        {
            starts[s] = starts[s - 1] + slabs[s - 1].Triangles.Count;
        }

        Parallel.For(0, slabs.Length, s =>
        {
            var slab = slabs[s];
            CollectionsMarshal.AsSpan(slab.Vertices).CopyTo(vertices.AsSpan(offsets[s]));
            var source = CollectionsMarshal.AsSpan(slab.Triangles);
            var target = triangles.AsSpan((int)starts[s], source.Length);
            int offset = offsets[s];
            for (int i = 0; i < source.Length; i++)
            {
                int index = source[i];
                target[i] = index >= 0 ? index + offset : slabs[s + 1].Bottom[-index - 1] + offsets[s + 1];
            }
        });
        return new TriangleMesh(vertices, triangles);
    }

    /// <summary>Index to physical: <c>origin + matrix * index</c>; a mirroring matrix reverses the winding.</summary>
    private readonly struct IndexMap(Vector3D origin, Matrix3D matrix)
    {
        public Vector3D Origin { get; } = origin;

        public Matrix3D Matrix { get; } = matrix;

        public bool Mirrors { get; } = matrix.Determinant < 0;
    }

    /// <summary>
    /// Walks the cube layers [z0, z1) of a volume and hands each cube that the surface crosses, with its case (corner
    /// mask and decider bits) and corner values, to <see cref="Cube"/>. Rows where four neighbouring rows lie all on
    /// one side of the level are skipped after a vectorised check.
    /// </summary>
    private abstract class CubeWalker(ScalarVolume volume, float level, int z0, int z1)
    {
        protected int SizeX { get; } = volume.SizeX;

        protected int SizeY { get; } = volume.SizeY;

        protected float Level => level;

        protected int FirstLayer => z0;

        protected int EndLayer => z1;

        public virtual void Run()
        {
            var offsets = MarchingCubesTable.Offsets;
            var ambiguous = MarchingCubesTable.AmbiguousFaces;
            var lowerRows = new byte[SizeY];
            var upperRows = new byte[SizeY];
            Span<float> corner = stackalloc float[8];
            // Planes of other element types are converted into two scratch planes, taking turns.
            int scratchLength = volume.ConvertsPlanes ? SizeX * SizeY : 0;
            var scratch = new[] { new float[scratchLength], new float[scratchLength] };
            var below = volume.Plane(z0, scratch[0]);
            RowStates(below, lowerRows);
            for (int z = z0; z < z1; z++)
            {
                var above = volume.Plane(z + 1, scratch[(z + 1 - z0) & 1]);
                RowStates(above, upperRows);
                BeginLayer(z);
                for (int y = 0; y + 1 < SizeY; y++)
                {
                    byte state = lowerRows[y];
                    if (state != 2 && state == lowerRows[y + 1] && state == upperRows[y] && state == upperRows[y + 1])
                    {
                        continue; // four rows all inside or all outside: no crossing
                    }

                    int row0 = y * SizeX, row1 = row0 + SizeX;
                    for (int x = 0; x + 1 < SizeX; x++)
                    {
                        int i0 = row0 + x, i1 = row1 + x;
                        corner[0] = below[i0];
                        corner[1] = below[i0 + 1];
                        corner[2] = below[i1];
                        corner[3] = below[i1 + 1];
                        corner[4] = above[i0];
                        corner[5] = above[i0 + 1];
                        corner[6] = above[i1];
                        corner[7] = above[i1 + 1];
                        int mask = 0;
                        for (int c = 0; c < 8; c++)
                        {
                            mask |= corner[c] >= level ? 1 << c : 0;
                        }

                        if (mask is 0 or 255)
                        {
                            continue;
                        }

                        int faceBits = ambiguous[mask] == 0 ? 0 : Decide(ambiguous[mask], corner);
                        int caseIndex = mask | (faceBits << 8);
                        if (offsets[caseIndex] != offsets[caseIndex + 1])
                        {
                            Cube(x, y, z, caseIndex, corner);
                        }
                    }
                }

                FinishLayer(z);
                (lowerRows, upperRows) = (upperRows, lowerRows);
                below = above;
            }
        }

        protected virtual void BeginLayer(int z)
        {
        }

        protected virtual void FinishLayer(int z)
        {
        }

        protected abstract void Cube(int x, int y, int z, int caseIndex, ReadOnlySpan<float> corner);

        /// <summary>Where the level crosses a cube edge (index space), by linear interpolation, kept off the corners.</summary>
        protected Vector3D EdgePoint(int edge, int x, int y, int z, ReadOnlySpan<float> corner)
        {
            var (low, high) = MarchingCubesTable.EdgeCorners[edge];
            double t = (level - corner[low]) / (double)(corner[high] - corner[low]);
            t = Math.Clamp(t, EdgeMargin, 1 - EdgeMargin);
            var index = new Vector3D(x + (low & 1), y + ((low >> 1) & 1), z + ((low >> 2) & 1));
            return (edge >> 2) switch
            {
                0 => index with { X = index.X + t },
                1 => index with { Y = index.Y + t },
                _ => index with { Z = index.Z + t },
            };
        }

        /// <summary>The mean of a loop's edge points: the extra vertex of the few cases that need one.</summary>
        protected Vector3D CenterPoint(byte[] loop, int x, int y, int z, ReadOnlySpan<float> corner)
        {
            var sum = Vector3D.Zero;
            foreach (byte edge in loop)
            {
                sum += EdgePoint(edge, x, y, z, corner);
            }

            return sum / loop.Length;
        }

        /// <summary>0: every value below the level, 1: every value at or above it, 2: mixed (or NaN).</summary>
        private void RowStates(ReadOnlySpan<float> values, byte[] states)
        {
            var lv = new Vector<float>(level);
            for (int y = 0; y < SizeY; y++)
            {
                var row = values.Slice(y * SizeX, SizeX);
                bool inside = row[0] >= level;
                bool uniform = true;
                int x = 0;
                for (; x + Vector<float>.Count <= row.Length && uniform; x += Vector<float>.Count)
                {
                    var v = new Vector<float>(row.Slice(x));
                    uniform = inside ? Vector.GreaterThanOrEqualAll(v, lv) : Vector.LessThanAll(v, lv);
                }

                for (; x < row.Length && uniform; x++)
                {
                    uniform = inside ? row[x] >= level : row[x] < level;
                }

                states[y] = uniform ? (inside ? (byte)1 : (byte)0) : (byte)2;
            }
        }

        /// <summary>
        /// The asymptotic decider for each ambiguous face: the inside corners are connected across the face when the
        /// bilinear saddle is inside, i.e. when the product of the inside pair (relative to the level) exceeds that of
        /// the outside pair. Products commute exactly, so both cubes sharing the face decide alike.
        /// </summary>
        private int Decide(int faces, ReadOnlySpan<float> corner)
        {
            int bits = 0;
            for (int f = 0; f < 6; f++)
            {
                if (((faces >> f) & 1) == 0)
                {
                    continue;
                }

                var q = MarchingCubesTable.FaceCorners[f];
                float a = corner[q[0]] - level, b = corner[q[1]] - level, c = corner[q[2]] - level, d = corner[q[3]] - level;
                bool evenInside = a >= 0;
                float insidePair = evenInside ? a * c : b * d;
                float outsidePair = evenInside ? b * d : a * c;
                if (insidePair > outsidePair)
                {
                    bits |= 1 << f;
                }
            }

            return bits;
        }
    }

    /// <summary>Six times the enclosed volume (in cubed index units) of the triangles of a slab, without building them.</summary>
    private sealed class VolumeSlab(ScalarVolume volume, float level, int z0, int z1, Vector3D reference) : CubeWalker(volume, level, z0, z1)
    {
        public double Sixfold { get; private set; }

        protected override void Cube(int x, int y, int z, int caseIndex, ReadOnlySpan<float> corner)
        {
            var edges = MarchingCubesTable.TriangleEdges;
            var loop = MarchingCubesTable.CenterLoops[caseIndex];
            var center = loop is null ? Vector3D.Zero : CenterPoint(loop, x, y, z, corner) - reference;
            double sum = 0;
            for (int t = MarchingCubesTable.Offsets[caseIndex]; t < MarchingCubesTable.Offsets[caseIndex + 1]; t += 3)
            {
                var a = edges[t] == MarchingCubesTable.Center ? center : EdgePoint(edges[t], x, y, z, corner) - reference;
                var b = edges[t + 1] == MarchingCubesTable.Center ? center : EdgePoint(edges[t + 1], x, y, z, corner) - reference;
                var c = edges[t + 2] == MarchingCubesTable.Center ? center : EdgePoint(edges[t + 2], x, y, z, corner) - reference;
                sum += Vector3D.Dot(a, Vector3D.Cross(b, c));
            }

            Sixfold += sum;
        }
    }

    /// <summary>
    /// Cube layers [z0, z1): their triangles and the vertices on the slab's edges. Vertices on the top plane belong to
    /// the next slab (except for the last slab): triangles refer to them as <c>-(key + 1)</c>, resolved in
    /// <see cref="Merge"/> through the next slab's <see cref="Bottom"/>.
    /// </summary>
    private sealed class MeshSlab(ScalarVolume volume, float level, IndexMap map, int z0, int z1, bool last) : CubeWalker(volume, level, z0, z1)
    {
        private EdgeCache? _lower;
        private EdgeCache? _upper;
        private EdgeCache? _vertical;
        private bool _foreignTop;

        public List<Vector3D> Vertices { get; } = [];

        public List<int> Triangles { get; } = [];

        /// <summary>Key (axis * plane + position) of each x/y edge on the bottom plane to its vertex.</summary>
        public Dictionary<int, int> Bottom { get; } = [];

        public override void Run()
        {
            int plane = SizeX * SizeY;
            var pool = ArrayPool<int>.Shared;
            _lower = new EdgeCache(pool.Rent(plane), pool.Rent(plane));
            _upper = new EdgeCache(pool.Rent(plane), pool.Rent(plane));
            _vertical = new EdgeCache(pool.Rent(plane), null);
            try
            {
                base.Run();
            }
            finally
            {
                _lower.Return(pool);
                _upper.Return(pool);
                _vertical.Return(pool);
            }
        }

        protected override void BeginLayer(int z) => _foreignTop = z + 1 == EndLayer && !last;

        protected override void FinishLayer(int z)
        {
            if (z == FirstLayer && z > 0)
            {
                _lower!.CopyTo(Bottom, SizeX * SizeY);
            }

            _lower!.Clear();
            _vertical!.Clear();
            (_lower, _upper) = (_upper, _lower);
        }

        protected override void Cube(int x, int y, int z, int caseIndex, ReadOnlySpan<float> corner)
        {
            var edges = MarchingCubesTable.TriangleEdges;
            int center = -1;
            if (MarchingCubesTable.CenterLoops[caseIndex] is { } loop)
            {
                center = Vertices.Count;
                Vertices.Add(map.Origin + (map.Matrix * CenterPoint(loop, x, y, z, corner)));
            }

            for (int t = MarchingCubesTable.Offsets[caseIndex]; t < MarchingCubesTable.Offsets[caseIndex + 1]; t += 3)
            {
                int a = edges[t] == MarchingCubesTable.Center ? center : Vertex(edges[t], x, y, z, corner);
                int b = edges[t + 1] == MarchingCubesTable.Center ? center : Vertex(edges[t + 1], x, y, z, corner);
                int c = edges[t + 2] == MarchingCubesTable.Center ? center : Vertex(edges[t + 2], x, y, z, corner);
                Triangles.Add(a);
                Triangles.Add(map.Mirrors ? c : b);
                Triangles.Add(map.Mirrors ? b : c);
            }
        }

        private int Vertex(int edge, int x, int y, int z, ReadOnlySpan<float> corner)
        {
            int axis = edge >> 2, k = edge & 3;
            bool top = k >> 1 == 1;
            EdgeCache owner;
            int[] cache;
            int position;
            switch (axis)
            {
                case 0:
                    position = ((y + (k & 1)) * SizeX) + x;
                    if (top && _foreignTop)
                    {
                        return -(position + 1);
                    }

                    owner = top ? _upper! : _lower!;
                    cache = owner.AlongX;
                    break;
                case 1:
                    position = (y * SizeX) + x + (k & 1);
                    if (top && _foreignTop)
                    {
                        return -((SizeX * SizeY) + position + 1);
                    }

                    owner = top ? _upper! : _lower!;
                    cache = owner.AlongY!;
                    break;
                default:
                    position = ((y + (k >> 1)) * SizeX) + x + (k & 1);
                    owner = _vertical!;
                    cache = owner.AlongX;
                    break;
            }

            int stored = cache[position];
            if (stored != 0)
            {
                return stored - 1;
            }

            int created = Vertices.Count;
            Vertices.Add(map.Origin + (map.Matrix * EdgePoint(edge, x, y, z, corner)));
            cache[position] = created + 1;
            owner.Touch(position, axis == 1);
            return created;
        }
    }

    /// <summary>Vertex index + 1 (0: none yet) per grid edge of one plane, cleared through the list of entries set.</summary>
    private sealed class EdgeCache(int[] alongX, int[]? alongY)
    {
        private readonly List<int> _touched = [];

        public int[] AlongX { get; } = Zeroed(alongX);

        public int[]? AlongY { get; } = alongY is null ? null : Zeroed(alongY);

        public void Touch(int position, bool alongY) => _touched.Add(alongY ? ~position : position);

        public void Clear()
        {
            foreach (int entry in _touched)
            {
                if (entry >= 0)
                {
                    AlongX[entry] = 0;
                }
                else
                {
                    AlongY![~entry] = 0;
                }
            }

            _touched.Clear();
        }

        /// <summary>Records this plane's vertices by key (x edges: position; y edges: plane + position).</summary>
        public void CopyTo(Dictionary<int, int> map, int plane)
        {
            foreach (int entry in _touched)
            {
                if (entry >= 0)
                {
                    map[entry] = AlongX[entry] - 1;
                }
                else
                {
                    map[plane + ~entry] = AlongY![~entry] - 1;
                }
            }
        }

        public void Return(ArrayPool<int> pool)
        {
            pool.Return(AlongX);
            if (AlongY is not null)
            {
                pool.Return(AlongY);
            }
        }

        private static int[] Zeroed(int[] array)
        {
            Array.Clear(array);
            return array;
        }
    }
}
