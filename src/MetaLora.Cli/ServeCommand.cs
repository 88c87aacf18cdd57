using System.CommandLine;
using MetaLora.Bank;
using MetaLora.Formats;
using MetaLora.Serving;
using MetaLora.Inference;
using MetaLora.Inference.OpenAi;

namespace MetaLora.Cli;

/// <summary>
/// <c>lora serve</c>: an OpenAI-compatible server over a bank's base model and any adapters (bank,
/// predicted, or a <c>lora generate</c> output), for any OpenAI client, and for <c>lora infer --engine openai</c>.
/// </summary>
internal static class ServeCommand
{
    private const string Description =
        "An OpenAI-compatible server (vLLM's dialect) over the bank's base model: GET /v1/models, POST /v1/completions (raw prompt with BOS, " +
        "no chat template; temperature 0 is greedy, as Infer generates), POST /v1/chat/completions (the model's chat template), both streamed " +
        "with stream: true and cut by stop sequences, POST /v1/load_lora_adapter and /v1/unload_lora_adapter " +
        "({\"lora_name\", \"lora_path\"}), GET /health and GET /metrics, with concurrent requests batched. Binds 127.0.0.1 unless told otherwise; " +
        "runs until SIGTERM or Ctrl+C, then finishes the requests in hand (see --shutdown-timeout) and exits 0.";

    public static Command Create()
    {
        var bankDir = new Option<string>("--bank-dir") { Description = "The bank whose base model to serve (its base_model/ folder).", Required = true };
        var host = new Option<string>("--host") { Description = "Address to bind; 0.0.0.0 serves every interface (then set --api-key-env).", DefaultValueFactory = _ => "127.0.0.1" };
        var port = new Option<int>("--port") { Description = "Port to listen on; 0 picks a free one. The bound URL is printed.", DefaultValueFactory = _ => 8000 };
        var adapters = new Option<string[]>("--adapters")
        {
            Description = "[PREFIX=]DIR: serve the adapter in DIR (named after the folder), or every adapter folder in DIR (each named after " +
                          "its folder); with PREFIX, names are PREFIX.<folder>, as infer --engine openai names them (e.g. finetuned=data/embedded/adapters). " +
                          "Run-time loading may also load from DIR. Repeatable.",
            AllowMultipleArgumentsPerToken = true,
        };
        var allowDirs = new Option<string[]>("--allow-adapter-dir")
        {
            Description = "A folder /v1/load_lora_adapter may load adapters from (at any depth), besides the bank and the --adapters folders; " +
                          "paths are resolved through symbolic links, and any other path is refused with 403. Repeatable.",
        };
        var modelName = new Option<string?>("--served-model-name") { Description = "The base model's name in /v1/models and requests (default: the bank's name)." };
        var batchSize = new Option<int>("--batch-size")
        {
            Description = "Most prompts generated together; concurrent requests for the same model share a batch. Also the most prompts one request may carry.",
            DefaultValueFactory = _ => InferOptions.DefaultBatchSize,
        };
        var noRuntime = new Option<bool>("--no-runtime-loading")
        {
            Description = "Serve only the start-up adapters: no /v1/load_lora_adapter or /v1/unload_lora_adapter (as vLLM without VLLM_ALLOW_RUNTIME_LORA_UPDATING).",
        };
        var chatTemplate = new Option<string?>("--chat-template")
        {
            Description = "A file holding the Jinja chat template for /v1/chat/completions, instead of tokenizer_config.json's chat_template " +
                          "(the embedded bank's model has none).",
        };
        var apiKeyEnv = new Option<string?>("--api-key-env") { Description = "Require the API key held by this environment variable (Authorization: Bearer)." };
        var limits = ServeLimitOptions.Create();
        var command = new Command("serve", Description)
        {
            bankDir, host, port, adapters, allowDirs, modelName, batchSize, noRuntime, chatTemplate, apiKeyEnv,
        };
        limits.AddTo(command);
        // A synchronous action on purpose: System.CommandLine ends an async action's process 2 s after
        // SIGTERM or Ctrl+C with exit code 143 or 130; the server's own handling drains and exits 0.
        command.SetAction(parse =>
        {
            var bank = BankInfo.Load(parse.GetValue(bankDir)!);
            var given = parse.GetValue(adapters) ?? [];
            var options = limits.Apply(parse, new ModelServerOptions
            {
                ModelDir = BaseModelFolder.Of(bank),
                ModelName = parse.GetValue(modelName) ?? bank.Name,
                Host = parse.GetValue(host)!,
                Port = parse.GetValue(port),
                Adapters = StartupAdapters(given),
                AdapterDirs = [bank.Directory, .. given.Select(FolderOf), .. AllowedFolders(parse.GetValue(allowDirs) ?? [])],
                RuntimeLoading = !parse.GetValue(noRuntime),
                BatchSize = parse.GetValue(batchSize),
                ApiKey = ApiKey(parse.GetValue(apiKeyEnv)),
                ChatTemplateFile = parse.GetValue(chatTemplate),
            });
            return RunAsync(options).GetAwaiter().GetResult();
        });
        return command;
    }

    private static async Task<int> RunAsync(ModelServerOptions options)
    {
        await using var server = await ModelServer.StartAsync(options);
        var runtime = options.RuntimeLoading ? "adapters load at run time" : "no run-time loading";
        Console.WriteLine($"lora serve: {server.Url} (model {options.ModelName}, {options.Adapters.Count} adapters, {runtime}{(options.ApiKey is null ? "" : ", API key required")}; " +
                          $"at most {server.Limits.MaxTotal} tokens a request; {(server.ChatTemplateSource is { } chat ? $"chat template from {chat}" : "no chat template")})");
        await server.WaitForShutdownAsync();
        Console.WriteLine("lora serve: stopped");
        return 0;
    }

    private static string? ApiKey(string? variable)
    {
        if (variable is null) return null;
        if (!ApiKeyVariable.IsValid(variable)) throw new BadInputException($"--api-key-env={variable}: expected an environment variable's name (letters, digits, _)");
        var key = Environment.GetEnvironmentVariable(variable);
        return string.IsNullOrEmpty(key) ? throw new BadInputException($"--api-key-env={variable}: ${variable} is not set") : key;
    }

    /// <summary>The folder of one --adapters word ([PREFIX=]DIR).</summary>
    private static string FolderOf(string word)
    {
        var eq = word.IndexOf('=');
        return eq > 0 ? word[(eq + 1)..] : word;
    }

    private static IEnumerable<string> AllowedFolders(IEnumerable<string> dirs) =>
        dirs.Select(d => Directory.Exists(d) ? d : throw BadInputException.At(d, "--allow-adapter-dir: no such folder"));

    /// <summary>The start-up adapters by name: a folder holding an adapter, or a folder of adapter folders.</summary>
    private static IReadOnlyList<KeyValuePair<string, string>> StartupAdapters(IEnumerable<string> words)
    {
        var result = new List<KeyValuePair<string, string>>();
        foreach (var word in words)
        {
            var eq = word.IndexOf('=');
            var prefix = eq > 0 ? word[..eq] + "." : "";
            var dir = FolderOf(word);
            if (!Directory.Exists(dir)) throw BadInputException.At(dir, "--adapters: no such folder");
            var folders = PeftAdapter.IsComplete(dir)
                ? [dir]
                : Directory.EnumerateDirectories(dir).Where(PeftAdapter.IsComplete).Order(StringComparer.Ordinal).ToArray();
            if (folders.Length == 0) throw BadInputException.At(dir, "--adapters: neither an adapter (adapter_config.json + adapter_model.safetensors) nor a folder of adapters");
            result.AddRange(folders.Select(f => new KeyValuePair<string, string>(prefix + Path.GetFileName(Path.TrimEndingDirectorySeparator(f)), f)));
        }
        var duplicate = result.GroupBy(r => r.Key).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null) throw new BadInputException($"--adapters: two adapters named '{duplicate.Key}'; give a PREFIX= to tell them apart");
        return result;
    }
}
