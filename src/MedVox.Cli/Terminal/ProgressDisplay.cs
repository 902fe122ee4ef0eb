using Spectre.Console;

namespace MedVox.Cli.Terminal;

/// <summary>Progress bars with percentage and ETA for long operations; library calls report through <see cref="IProgress{T}"/>.</summary>
internal static class ProgressDisplay
{
    /// <summary>Runs <paramref name="work"/> under one progress bar of <paramref name="total"/> units.</summary>
    public static T Run<T>(IAnsiConsole console, string description, double total, Func<IProgress<double>, T> work)
    {
        T result = default!;
        NewProgress(console).Start(context =>
        {
            var task = context.AddTask(Markup.Escape(description), maxValue: Math.Max(total, 1));
            result = work(new TaskProgress(task));
            task.Value = task.MaxValue;
        });
        return result;
    }

    /// <summary>Runs <paramref name="work"/> with a context that can add several bars.</summary>
    public static void Run(IAnsiConsole console, Action<ProgressContext> work) => NewProgress(console).Start(work);

    public static IProgress<double> AsProgress(this ProgressTask task) => new TaskProgress(task);

    private static Progress NewProgress(IAnsiConsole console) => console.Progress()
        .AutoClear(false)
        .HideCompleted(false)
        .Columns(
            new TaskDescriptionColumn(),
            new ProgressBarColumn(),
            new PercentageColumn(),
            new ElapsedTimeColumn(),
            new RemainingTimeColumn(),
            new SpinnerColumn());

    /// <summary>Sets the bar's value from any thread (Spectre's tasks are thread-safe), unlike <see cref="Progress{T}"/> which posts to a context.</summary>
    private sealed class TaskProgress(ProgressTask task) : IProgress<double>
    {
        public void Report(double value) => task.Value = Math.Min(value, task.MaxValue);
    }
}
