namespace MetaLora.Serving;

/// <summary>Work on the model other than generation (loading or dropping an adapter), run in queue order on the model's thread.</summary>
internal sealed class ModelAction(Action run)
{
    public void Run() => run();

    public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
}
