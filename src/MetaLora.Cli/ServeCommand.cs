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
    public static Command Create()
    {
        var bankDir = new Option<string>("--bank-dir") { Description = "The bank whose base model to serve (its base_model/ folder).", Required = true };
        var host = new Option<string>("--host") { Description = "Address to bind; 0.0.0.0 serves every interface (then set --api-key-env).", DefaultValueFactory = _ => "127.0.0.1" };
        var port = new Option<int>("--port") { Description = "Port to listen on; 0 picks a free one. The bound URL is printed.", DefaultValueFactory = _ => 8000 };
        var adapters = new Option<string[]>("--adapters")
        {
            Description = "[PREFIX=]DIR: serve the adapter in DIR (named after the folder), or every adapter folder in DIR (each named after " +
                          "its folder); with PREFIX, names are PREFIX.<folder>, as infer --engine openai names them (e.g. finetuned=data/embedded/adapters). Repeatable.",
            AllowMultipleArgumentsPerToken = true,
        };
        var modelName = new Option<string?>("--served-model-name") { Description = "The base model's name in /v1/models and requests (default: the bank's name)." };
        var batchSize = new Option<int>("--batch-size") { Description = "Most prompts generated together; concurrent requests for the same model share a batch.", DefaultValueFactory = _ => InferOptions.DefaultBatchSize };
        var noRuntime = new Option<bool>("--no-runtime-loading")
        {
            Description = "Serve only the start-up adapters: no /v1/load_lora_adapter or /v1/unload_lora_adapter (as vLLM without VLLM_ALLOW_RUNTIME_LORA_UPDATING).",
        };
        var apiKeyEnv = new Option<string?>("--api-key-env") { Description = "Require the API key held by this environment variable (Authorization: Bearer)." };
        var command = new Command("serve",
            "An OpenAI-compatible server (vLLM's dialect) over the bank's base model: GET /v1/models, POST /v1/completions (raw prompt with BOS, " +
            "no chat template; temperature 0 is greedy, as Infer generates), POST /v1/load_lora_adapter and /v1/unload_lora_adapter " +
            "({\"lora_name\", \"lora_path\"}), with concurrent requests batched. Binds 127.0.0.1 unless told otherwise; runs until Ctrl+C.")
        {
            bankDir, host, port, adapters, modelName, batchSize, noRuntime, apiKeyEnv,
        };
        command.SetAction(async (parse, ct) =>
        {
            var bank = BankInfo.Load(parse.GetValue(bankDir)!);
            string? key = null;
            if (parse.GetValue(apiKeyEnv) is { } variable)
            {
                if (!ApiKeyVariable.IsValid(variable)) throw new BadInputException($"--api-key-env={variable}: expected an environment variable's name (letters, digits, _)");
                key = Environment.GetEnvironmentVariable(variable);
                if (string.IsNullOrEmpty(key)) throw new BadInputException($"--api-key-env={variable}: ${variable} is not set");
            }
            var options = new ModelServerOptions
            {
                ModelDir = BaseModelFolder.Of(bank),
                ModelName = parse.GetValue(modelName) ?? bank.Name,
                Host = parse.GetValue(host)!,
                Port = parse.GetValue(port),
                Adapters = AdapterFolders(parse.GetValue(adapters) ?? []),
                RuntimeLoading = !parse.GetValue(noRuntime),
                BatchSize = parse.GetValue(batchSize),
                ApiKey = key,
            };
            await using var server = await ModelServer.StartAsync(options);
            var runtime = options.RuntimeLoading ? "adapters load at run time" : "no run-time loading";
            Console.WriteLine($"lora serve: {server.Url} (model {options.ModelName}, {options.Adapters.Count} adapters, {runtime}{(key is null ? "" : ", API key required")})");
            await server.WaitForShutdownAsync();
            return 0;
        });
        return command;
    }

    /// <summary>The start-up adapters by name: a folder holding an adapter, or a folder of adapter folders.</summary>
    private static IReadOnlyList<KeyValuePair<string, string>> AdapterFolders(IEnumerable<string> words)
    {
        var result = new List<KeyValuePair<string, string>>();
        foreach (var word in words)
        {
            var eq = word.IndexOf('=');
            var prefix = eq > 0 ? word[..eq] + "." : "";
            var dir = eq > 0 ? word[(eq + 1)..] : word;
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
