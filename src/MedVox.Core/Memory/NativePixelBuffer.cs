using System.Runtime.InteropServices;

namespace MedVox.Memory;

/// <summary>Pixels in native memory: no 2 GB array limit, no large-object-heap churn, zero-initialised.</summary>
public sealed unsafe class NativePixelBuffer : PixelBuffer
{
    private byte* _pointer;

    public NativePixelBuffer(long length)
        : base(length)
    {
        _pointer = (byte*)NativeMemory.AllocZeroed((nuint)Math.Max(length, 1));
        if (length > 0)
        {
            GC.AddMemoryPressure(length);
        }
    }

    ~NativePixelBuffer() => Free();

    public override bool IsMapped => false;

    protected internal override byte* Pointer => _pointer;

    protected override void Free()
    {
        if (_pointer != null)
        {
            NativeMemory.Free(_pointer);
            _pointer = null;
            if (Length > 0)
            {
                GC.RemoveMemoryPressure(Length);
            }
        }
    }
}
