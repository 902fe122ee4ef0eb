using System.Runtime.ExceptionServices;

namespace MedVox.Learning.Data;

/// <summary>Parallel.For over slabs that rethrows the first failure as itself (a MedVoxException stays one), not wrapped.</summary>
internal static class ParallelSlabs
{
    public static void For(int count, Action<int> body)
    {
        try
        {
            Parallel.For(0, count, body);
        }
        catch (AggregateException ex) when (ex.InnerExceptions.Count > 0)
        {
            ExceptionDispatchInfo.Capture(ex.InnerExceptions[0]).Throw();
        }
    }
}
