using MedVox.Reporting.Snapshots;

namespace MedVox.Reporting.Tests;

public class ContourTracerTests
{
    private static bool[] Mask(params string[] rows) => [.. rows.SelectMany(r => r.Select(c => c == '#'))];

    [Fact]
    public void OnePixelIsOneSquare()
    {
        var loops = ContourTracer.Trace(Mask("...", ".#.", "..."), 3, 3);
        var loop = Assert.Single(loops);
        Assert.Equal([(1, 1), (2, 1), (2, 2), (1, 2)], loop);
    }

    [Fact]
    public void RectangleHasItsFourCornersOnly()
    {
        var loops = ContourTracer.Trace(Mask("####", "####"), 4, 2);
        Assert.Equal([(0, 0), (4, 0), (4, 2), (0, 2)], Assert.Single(loops));
    }

    [Fact]
    public void DiagonalNeighboursStaySeparate()
    {
        // Pixels touching at a corner are separate regions under 4-connectivity: two squares.
        var loops = ContourTracer.Trace(Mask("#.", ".#"), 2, 2);
        Assert.Equal(2, loops.Count);
        Assert.All(loops, l => Assert.Equal(4, l.Count));
    }

    [Fact]
    public void RingHasOuterAndInnerLoopsWithTheWholePerimeter()
    {
        var mask = Mask("#####", "#...#", "#...#", "#####");
        var loops = ContourTracer.Trace(mask, 5, 4);
        Assert.Equal(2, loops.Count);

        // Perimeter by hand: outer 2·(5+4) = 18, inner 2·(3+2) = 10.
        int length = loops.Sum(l => l.Select((p, i) => Math.Abs(l[(i + 1) % l.Count].X - p.X) + Math.Abs(l[(i + 1) % l.Count].Y - p.Y)).Sum());
        Assert.Equal(28, length);
    }

    [Fact]
    public void EmptyMaskHasNoLoop() => Assert.Empty(ContourTracer.Trace(new bool[12], 4, 3));
}
