using System.Numerics;

namespace MedVox.Imaging;

/// <summary>The scalar type of one pixel component.</summary>
public enum ElementType
{
    UInt8,
    Int8,
    UInt16,
    Int16,
    UInt32,
    Int32,
    UInt64,
    Int64,
    Float32,
    Float64,
}

public static class ElementTypeExtensions
{
    public static int Size(this ElementType type) => type switch
    {
        ElementType.UInt8 or ElementType.Int8 => 1,
        ElementType.UInt16 or ElementType.Int16 => 2,
        ElementType.UInt32 or ElementType.Int32 or ElementType.Float32 => 4,
        ElementType.UInt64 or ElementType.Int64 or ElementType.Float64 => 8,
        _ => throw new ArgumentOutOfRangeException(nameof(type)),
    };

    public static bool IsFloatingPoint(this ElementType type) => type is ElementType.Float32 or ElementType.Float64;

    public static bool IsSigned(this ElementType type) =>
        type is ElementType.Int8 or ElementType.Int16 or ElementType.Int32 or ElementType.Int64 or ElementType.Float32 or ElementType.Float64;

    /// <summary>Lower-case name as numpy and the command line print it (uint8, int16, float32, ...).</summary>
    public static string Name(this ElementType type) => type switch
    {
        ElementType.UInt8 => "uint8",
        ElementType.Int8 => "int8",
        ElementType.UInt16 => "uint16",
        ElementType.Int16 => "int16",
        ElementType.UInt32 => "uint32",
        ElementType.Int32 => "int32",
        ElementType.UInt64 => "uint64",
        ElementType.Int64 => "int64",
        ElementType.Float32 => "float32",
        ElementType.Float64 => "float64",
        _ => throw new ArgumentOutOfRangeException(nameof(type)),
    };

    public static bool TryParse(string name, out ElementType type)
    {
        foreach (var candidate in Enum.GetValues<ElementType>())
        {
            if (string.Equals(candidate.Name(), name, StringComparison.OrdinalIgnoreCase))
            {
                type = candidate;
                return true;
            }
        }

        type = default;
        return false;
    }

    public static Type ClrType(this ElementType type) => type switch
    {
        ElementType.UInt8 => typeof(byte),
        ElementType.Int8 => typeof(sbyte),
        ElementType.UInt16 => typeof(ushort),
        ElementType.Int16 => typeof(short),
        ElementType.UInt32 => typeof(uint),
        ElementType.Int32 => typeof(int),
        ElementType.UInt64 => typeof(ulong),
        ElementType.Int64 => typeof(long),
        ElementType.Float32 => typeof(float),
        ElementType.Float64 => typeof(double),
        _ => throw new ArgumentOutOfRangeException(nameof(type)),
    };

    /// <summary>
    /// Calls <c>visitor.Visit&lt;T&gt;()</c> with the CLR type of <paramref name="type"/>, so typed loops are written once
    /// with generic math and run without per-element dispatch.
    /// </summary>
    public static void Dispatch<TVisitor>(this ElementType type, ref TVisitor visitor)
        where TVisitor : struct, IElementVisitor, allows ref struct
    {
        switch (type)
        {
            case ElementType.UInt8: visitor.Visit<byte>(); break;
            case ElementType.Int8: visitor.Visit<sbyte>(); break;
            case ElementType.UInt16: visitor.Visit<ushort>(); break;
            case ElementType.Int16: visitor.Visit<short>(); break;
            case ElementType.UInt32: visitor.Visit<uint>(); break;
            case ElementType.Int32: visitor.Visit<int>(); break;
            case ElementType.UInt64: visitor.Visit<ulong>(); break;
            case ElementType.Int64: visitor.Visit<long>(); break;
            case ElementType.Float32: visitor.Visit<float>(); break;
            case ElementType.Float64: visitor.Visit<double>(); break;
            default: throw new ArgumentOutOfRangeException(nameof(type));
        }
    }
}

/// <summary>A typed operation on pixel data; see <see cref="ElementTypeExtensions.Dispatch"/>.</summary>
public interface IElementVisitor
{
    void Visit<T>()
        where T : unmanaged, INumber<T>, IMinMaxValue<T>;
}

/// <summary>Maps a CLR type to its <see cref="ElementType"/>.</summary>
public static class ElementTypeOf<T>
    where T : unmanaged
{
    public static readonly ElementType Value = Resolve();

    private static ElementType Resolve()
    {
        foreach (var candidate in Enum.GetValues<ElementType>())
        {
            if (candidate.ClrType() == typeof(T))
            {
                return candidate;
            }
        }

        throw new NotSupportedException($"{typeof(T).Name} is not a pixel element type.");
    }
}
