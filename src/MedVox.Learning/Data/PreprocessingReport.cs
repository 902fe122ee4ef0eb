namespace MedVox.Learning.Data;

/// <summary>What happened to one case.</summary>
public enum CaseOutcome
{
    /// <summary>Preprocessed and written to the cache.</summary>
    Written,

    /// <summary>Already in the cache with the same plan.</summary>
    Skipped,

    /// <summary>Rejected; <see cref="CaseResult.Error"/> says why. Nothing of it was written.</summary>
    Failed,
}

public sealed record CaseResult(string Id, CaseOutcome Outcome, MedVoxException? Error = null);

/// <summary>The outcome of <see cref="Preprocessor.Run"/>: one result per case, in the dataset's order.</summary>
public sealed record PreprocessingReport(IReadOnlyList<CaseResult> Cases, TimeSpan Elapsed, long BytesRead, long BytesWritten)
{
    public int Written => Count(CaseOutcome.Written);

    public int Skipped => Count(CaseOutcome.Skipped);

    public int Failed => Count(CaseOutcome.Failed);

    /// <summary>Throws the first failure (its message, file and hint) when any case failed, saying how many more did.</summary>
    public void ThrowIfFailed()
    {
        MedVoxException? first = null;
        foreach (var result in Cases)
        {
            if (result.Error is not null)
            {
                first = result.Error;
                break;
            }
        }

        if (first is null)
        {
            return;
        }

        int more = Failed - 1;
        string what = more > 0 ? $"{first.What} (and {more} more case(s) failed)" : first.What;
        throw new MedVoxException(what, first.FilePath, first.Field, first.Hint, first);
    }

    private int Count(CaseOutcome outcome)
    {
        int n = 0;
        foreach (var result in Cases)
        {
            if (result.Outcome == outcome)
            {
                n++;
            }
        }

        return n;
    }
}
