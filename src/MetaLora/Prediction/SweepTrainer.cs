using MetaLora.Pipeline;

namespace MetaLora.Prediction;

/// <summary>The sweep engine's training state: f in float64 (<see cref="SweepMlp"/>), its Adam moments and the sorted training inputs.</summary>
[StageVariant("mlp-engine", "sweep")]
internal sealed class SweepTrainer : IMlpTrainer
{
    private readonly SweepMlp _f;
    private readonly SweepInputs _inputs;
    private readonly AdamMoments _adam;
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
        _adam.Step(_f.Values, gradient, _threads);
    }

    public void Save(BinaryWriter writer)
    {
        writer.Write(_f.Hidden);
        writer.Write(_adam.Steps);
        MlpCheckpoint.WriteDoubles(writer, _f.Values);
        MlpCheckpoint.WriteDoubles(writer, _adam.First);
        MlpCheckpoint.WriteDoubles(writer, _adam.Second);
    }

    public void Resume(BinaryReader reader)
    {
        var hidden = reader.ReadInt32();
        if (hidden != _f.Hidden) throw new InvalidDataException($"the checkpoint is for hidden width {hidden}, not {_f.Hidden}");
        _adam.Steps = reader.ReadInt32();
        MlpCheckpoint.ReadDoubles(reader, _f.Values);
        MlpCheckpoint.ReadDoubles(reader, _adam.First);
        MlpCheckpoint.ReadDoubles(reader, _adam.Second);
        _pass = null;
    }

    public double[] Apply(double[] inputs) => _f.Evaluate(inputs, _threads);

    public CoefficientMlp TakeResult() => _f.ToModule();

    public void Dispose() => _pass = null;
}
