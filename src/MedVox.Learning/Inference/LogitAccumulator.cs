using System.Runtime.InteropServices;
using MedVox.Learning.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace MedVox.Learning.Inference;

/// <summary>
/// The logits of the slices that windows are still writing, as a ring of <c>ring</c> slices: a tensor
/// [classes, ring, y, x] where slice z lives at z mod ring. Windows add their weighted logits (already divided by the
/// total weight each voxel will receive, so the ring holds convex combinations of logits, never larger than the
/// logits themselves: float16 suffices); a finished slice is taken out as float32 and its slot zeroed for reuse.
/// The ring lives on the compute device, in host RAM, or in a memory-mapped scratch file; when the device runs out of
/// memory the ring moves to the next placement and the prediction goes on.
/// </summary>
internal sealed class LogitAccumulator : IDisposable
{
    /// <summary>Largest magnitude float16 holds with room to spare.</summary>
    internal const float HalfLimit = 60000f;

    private readonly long[] _shape;
    private readonly Device _compute;
    private readonly string? _scratchDirectory;
    private readonly Func<AccumulatorPlacement, bool>? _simulateOutOfMemory;
    private readonly Action<string> _log;
    private Tensor _ring;
    private string? _file;

    public LogitAccumulator(int classes, int ring, int height, int width, AccumulatorPlacement placement, ScalarType type, Device compute, string? scratchDirectory, Func<AccumulatorPlacement, bool>? simulateOutOfMemory, Action<string> log)
    {
        _shape = [classes, ring, height, width];
        _compute = compute;
        _scratchDirectory = scratchDirectory;
        _simulateOutOfMemory = simulateOutOfMemory;
        _log = log;
        Type = type;
        while (true)
        {
            try
            {
                _ring = Allocate(placement, type, out _file);
                Placement = placement;
                break;
            }
            catch (Exception ex) when (IsOutOfMemory(ex) && placement != AccumulatorPlacement.Mapped)
            {
                var next = Next(placement);
                _log($"accumulator: out of memory in {Describe(placement)} ({FirstLine(ex)}); using {Describe(next)}");
                placement = next;
            }
        }
    }

    public AccumulatorPlacement Placement { get; private set; }

    public ScalarType Type { get; private set; }

    public int Ring => (int)_shape[1];

    public long Bytes => _shape[0] * _shape[1] * _shape[2] * _shape[3] * (Type == ScalarType.Float16 ? 2 : 4);

    public static string Describe(AccumulatorPlacement placement) => placement switch
    {
        AccumulatorPlacement.Device => "device memory",
        AccumulatorPlacement.Host => "host RAM",
        _ => "a memory-mapped file",
    };

    /// <summary>True for LibTorch's allocation failures on CUDA ("CUDA out of memory") and on the CPU ("can't allocate memory").</summary>
    public static bool IsOutOfMemory(Exception error) =>
        error is OutOfMemoryException
        || (error is ExternalException && (error.Message.Contains("out of memory", StringComparison.OrdinalIgnoreCase) || error.Message.Contains("can't allocate memory", StringComparison.OrdinalIgnoreCase)));

    /// <summary>
    /// Adds <paramref name="values"/> ([classes, dz, dy, dx] on the compute device, float32) into slices z0.. of the ring
    /// at rows y0.. and columns x0... <paramref name="maxAbs"/> bounds the values' magnitude (float16 guard).
    /// </summary>
    public void Add(Tensor values, int z0, int y0, int x0, float maxAbs)
    {
        if (Type == ScalarType.Float16 && maxAbs > HalfLimit)
        {
            Promote();
        }

        while (true)
        {
            try
            {
                Fault(Placement);
                AddOnce(values, z0, y0, x0);
                return;
            }
            catch (Exception ex) when (IsOutOfMemory(ex) && Placement != AccumulatorPlacement.Mapped)
            {
                MoveTo(Next(Placement), FirstLine(ex));
            }
        }
    }

    /// <summary>Copies slice <paramref name="z"/> out as float32 (classes x y x x) and zeroes its slot.</summary>
    public void Take(int z, Span<float> destination)
    {
        using var scope = NewDisposeScope();
        var slot = _ring.select(1, z % Ring);
        var host = slot.to(ScalarType.Float32).cpu().contiguous();
        MemoryMarshal.Cast<byte, float>(host.bytes).CopyTo(destination);
        slot.zero_();
    }

    /// <summary>
    /// Takes slice <paramref name="z"/> reduced to class indices where the ring lives (argmax, first maximum on ties as
    /// <see cref="OriginalGridWriter"/>), so only one byte per voxel leaves the device; the slot is cleared.
    /// </summary>
    public void TakeLabels(int z, Span<byte> destination)
    {
        using var scope = NewDisposeScope();
        var slot = _ring.select(1, z % Ring);
        var host = Reductions.ArgMax(slot, 0).to(ScalarType.Byte).cpu().contiguous();
        host.bytes.CopyTo(destination);
        slot.zero_();
    }

    public void Dispose()
    {
        _ring.Dispose();
        DeleteFile(_file);
        _file = null;
    }

    private void AddOnce(Tensor values, int z0, int y0, int x0)
    {
        using var scope = NewDisposeScope();
        var source = values.to(Type);
        if (Placement != AccumulatorPlacement.Device && _compute.type != DeviceType.CPU)
        {
            source = source.cpu();
        }

        long depth = values.shape[1], height = values.shape[2], width = values.shape[3];
        int done = 0;
        while (done < depth)
        {
            int slot = (z0 + done) % Ring;
            int run = (int)Math.Min(depth - done, Ring - slot);
            _ring.narrow(1, slot, run).narrow(2, y0, height).narrow(3, x0, width).add_(source.narrow(1, done, run));
            done += run;
        }
    }

    /// <summary>Float16 would overflow: the ring becomes float32 in the same placement.</summary>
    private void Promote()
    {
        var promoted = Allocate(Placement, ScalarType.Float32, out string? file);
        promoted.copy_(_ring);
        _ring.Dispose();
        DeleteFile(_file);
        _ring = promoted;
        _file = file;
        Type = ScalarType.Float32;
        _log("accumulator: logits exceed float16's range; switched to float32");
    }

    private void MoveTo(AccumulatorPlacement placement, string reason)
    {
        var moved = Allocate(placement, Type, out string? file);
        moved.copy_(_ring);
        _ring.Dispose();
        DeleteFile(_file);
        _log($"accumulator: out of memory in {Describe(Placement)} ({reason}); moved to {Describe(placement)}");
        _ring = moved;
        _file = file;
        Placement = placement;
    }

    private Tensor Allocate(AccumulatorPlacement placement, ScalarType type, out string? file)
    {
        file = null;
        Fault(placement);
        if (placement == AccumulatorPlacement.Device)
        {
            return zeros(_shape, type, _compute).DetachFromDisposeScope();
        }

        if (placement == AccumulatorPlacement.Host)
        {
            return zeros(_shape, type, CPU).DetachFromDisposeScope();
        }

        string directory = _scratchDirectory ?? Path.GetTempPath();
        Directory.CreateDirectory(directory);
        file = Path.Combine(directory, $"medvox-logits-{Guid.NewGuid():N}.f{(type == ScalarType.Float16 ? 16 : 32)}");
        long elements = _shape[0] * _shape[1] * _shape[2] * _shape[3];
        using (var stream = new FileStream(file, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.ReadWrite))
        {
            stream.SetLength(elements * (type == ScalarType.Float16 ? 2 : 4));
        }

        try
        {
            using var flat = from_file(file, shared: true, size: elements, dtype: type);
            var ring = flat.view(_shape).DetachFromDisposeScope();
            if (OperatingSystem.IsLinux())
            {
                // The mapping outlives the name: nothing is left behind if the process dies.
                DeleteFile(file);
            }

            return ring;
        }
        catch
        {
            DeleteFile(file);
            throw;
        }
    }

    private void Fault(AccumulatorPlacement placement)
    {
        if (_simulateOutOfMemory?.Invoke(placement) == true)
        {
            throw new ExternalException($"CUDA out of memory (simulated for {Describe(placement)})");
        }
    }

    private static AccumulatorPlacement Next(AccumulatorPlacement placement) =>
        placement == AccumulatorPlacement.Device ? AccumulatorPlacement.Host : AccumulatorPlacement.Mapped;

    private static string FirstLine(Exception error)
    {
        string message = error.Message;
        int end = message.IndexOfAny(['\n', '\r']);
        return end < 0 ? message : message[..end];
    }

    private static void DeleteFile(string? path)
    {
        if (path is null)
        {
            return;
        }

        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
            // A scratch file left behind is reclaimed with the temp folder.
        }
    }
}
