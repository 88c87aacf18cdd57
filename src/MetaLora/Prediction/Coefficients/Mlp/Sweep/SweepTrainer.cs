using MetaLora.Repro.CodeIdentity;


namespace MetaLora.Prediction.Coefficients.Mlp.Sweep;

/// <summary>The sweep engine's training state: f in float64 (<see cref="SweepMlp"/>), its Adam moments and the sorted training inputs.</summary>
[StageVariant(MlpEngineNames.Parameter, MlpEngineNames.Sweep)]
internal sealed class SweepTrainer : IMlpTrainer
{
    private readonly SweepMlp _f;
    private readonly SweepInputs _inputs;
    private AdamMoments? _adam;
    private readonly int _threads;
    private SweepPass? _pass;
    private double[]? _gradient;

    /// <summary>Draws the initial f from torch's generator (seeded by the caller), as the dense engine does, and converts it to float64.</summary>
    public SweepTrainer(double[] inputs, MlpOptions options)
    {
        using (var initial = new CoefficientMlp(options.Hidden))
            _f = SweepMlp.FromModule(initial);
        _inputs = new SweepInputs(inputs);
        _adam = new AdamMoments(_f.Values.Length, options.LearningRate);
        _threads = options.Threads == 0 ? Environment.ProcessorCount : options.Threads;
    }

    public double[] Evaluate()
    {
        _pass = new SweepPass(_f, _inputs, _threads, training: true);
        _pass.Forward();
        return _inputs.Unsort(_pass.Outputs);
    }

    public void Step(double[] upstream)
    {
        var pass = _pass ?? throw new InvalidOperationException("evaluate f before stepping");
        // One buffer for every step: at H = 4000 it is 128 MB.
        var gradient = _gradient ??= new double[_f.Values.Length];
        pass.Backward(_inputs.Sort(upstream), gradient);
        _pass = null;
        Adam.Step(_f.Values, gradient, _threads);
    }

    public void Save(BinaryWriter writer)
    {
        writer.Write(_f.Hidden);
        writer.Write(Adam.Steps);
        MlpCheckpoint.WriteDoubles(writer, _f.Values);
        MlpCheckpoint.WriteDoubles(writer, Adam.First);
        MlpCheckpoint.WriteDoubles(writer, Adam.Second);
    }

    public void Resume(BinaryReader reader)
    {
        var hidden = reader.ReadInt32();
        if (hidden != _f.Hidden) throw new InvalidDataException($"the checkpoint is for hidden width {hidden}, not {_f.Hidden}");
        Adam.Steps = reader.ReadInt32();
        MlpCheckpoint.ReadDoubles(reader, _f.Values);
        MlpCheckpoint.ReadDoubles(reader, Adam.First);
        MlpCheckpoint.ReadDoubles(reader, Adam.Second);
        _pass = null;
    }

    public double[] Apply(double[] inputs) => _f.Evaluate(inputs, _threads);

    public CoefficientMlp TakeResult()
    {
        // Adam's moments and the gradient are three more copies of f (384 MB at H = 4000): let them go
        // before the saved form's tensors are allocated, so the peak is not their sum.
        _adam = null;
        _gradient = null;
        _pass = null;
        // Aggressive: the freed memory goes back to the system, not just to the heap's free list.
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        return _f.ToModule();
    }

    private AdamMoments Adam => _adam ?? throw new InvalidOperationException("training is over: the result was taken");

    public void Dispose() => _pass = null;
}
