using System.Collections.Concurrent;
using System.Globalization;
using System.Text;

namespace MetaLora.Serving;

/// <summary>
/// The counters behind <c>GET /metrics</c>, in Prometheus' text format as vLLM and TGI expose theirs:
/// requests answered, refused (by status) and cancelled (by why), and the queue's state.
/// </summary>
internal sealed class ServeMetrics
{
    private readonly ConcurrentDictionary<int, long> _errors = new();
    private readonly ConcurrentDictionary<string, long> _cancelled = new(StringComparer.Ordinal);
    private long _completed;

    /// <summary>Why a request's generation was cancelled.</summary>
    public const string ClientGone = "client_gone", Timeout = "timeout", Shutdown = "shutdown";

    public void Completed() => Interlocked.Increment(ref _completed);

    public void Error(int status) => _errors.AddOrUpdate(status, 1, (_, n) => n + 1);

    public void Cancelled(string reason) => _cancelled.AddOrUpdate(reason, 1, (_, n) => n + 1);

    public string Text(GenerationQueue queue)
    {
        var text = new StringBuilder();
        void Metric(string name, string type, string help, IEnumerable<(string Labels, long Value)> values)
        {
            text.Append(CultureInfo.InvariantCulture, $"# HELP {name} {help}\n# TYPE {name} {type}\n");
            foreach (var (labels, value) in values) text.Append(CultureInfo.InvariantCulture, $"{name}{labels} {value}\n");
        }
        Metric("lora_serve_requests_running", "gauge", "Completion requests in the batch on the model.", [("", queue.Running)]);
        Metric("lora_serve_requests_in_hand", "gauge", "Requests accepted and not yet answered (running or waiting), against --max-concurrent-requests.", [("", queue.Pending)]);
        Metric("lora_serve_generation_tokens_total", "counter", "Tokens generated, also those of requests cancelled midway.", [("", queue.GeneratedTokens)]);
        Metric("lora_serve_requests_completed_total", "counter", "Completion requests answered with 200.", [("", Interlocked.Read(ref _completed))]);
        Metric("lora_serve_requests_cancelled_total", "counter", "Completion requests whose generation was stopped, by why.",
            new[] { ClientGone, Timeout, Shutdown }.Select(r => ($"{{reason=\"{r}\"}}", _cancelled.GetValueOrDefault(r))));
        Metric("lora_serve_errors_total", "counter", "Requests answered with an error, by HTTP status.",
            _errors.OrderBy(e => e.Key).Select(e => ($"{{code=\"{e.Key}\"}}", e.Value)));
        return text.ToString();
    }
}
