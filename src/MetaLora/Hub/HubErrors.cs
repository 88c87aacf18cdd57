using System.Net;
using MetaLora.IO.Http;

namespace MetaLora.Hub;

/// <summary>Turns the Hub's HTTP answers into transient failures or one-line errors the user can act on.</summary>
internal static class HubErrors
{
    /// <summary>Throws unless <paramref name="response"/> succeeded; <paramref name="what"/> names the URL (never the token).</summary>
    public static void Check(HttpResponseMessage response, HubRepo repo, string what, bool hasToken)
    {
        if (response.IsSuccessStatusCode) return;
        var status = (int)response.StatusCode;
        var code = Header(response, "X-Error-Code");
        var reason = $"HTTP {status} {response.ReasonPhrase}".TrimEnd();

        if (status is 408 or 429 || status >= 500)
            throw TransientHttpException.Of(response, $"{what}: {reason}");

        throw response.StatusCode switch
        {
            // Without a token the Hub answers 401, not 404, for a repo that does not exist (so as not to reveal private ones).
            HttpStatusCode.Unauthorized when code == "RepoNotFound" => BadInputException.At(what,
                $"{reason}: {repo} does not exist, or it is private or gated and needs a token " +
                (hasToken ? "that may read it" : $"(set {HubToken.EnvironmentVariable} or put {HubToken.DotEnvKey}=... in {HubToken.DotEnvFileName})")),
            HttpStatusCode.Unauthorized when !hasToken => BadInputException.At(what,
                $"{reason}: {repo} needs a Hugging Face token; set {HubToken.EnvironmentVariable} or put {HubToken.DotEnvKey}=... in {HubToken.DotEnvFileName}" +
                (code == "GatedRepo" ? ", and accept the model's licence on its page with that account" : "")),
            HttpStatusCode.Unauthorized => BadInputException.At(what,
                $"{reason}: the Hub rejected the token; check that it is valid and not expired, and that it may read {repo}"),
            HttpStatusCode.Forbidden => BadInputException.At(what,
                $"{reason}: access to {repo} is restricted; accept its licence on its Hub page with the account of your token" +
                (hasToken ? "" : $" (no token was sent: set {HubToken.EnvironmentVariable} or {HubToken.DotEnvKey} in {HubToken.DotEnvFileName})")),
            HttpStatusCode.NotFound => BadInputException.At(what, code switch
            {
                "RepoNotFound" => $"{reason}: {repo} does not exist" + (hasToken ? " or the token may not read it" : " (or it is private and no token was sent)"),
                "RevisionNotFound" => $"{reason}: {repo} has no such revision",
                "EntryNotFound" => $"{reason}: {repo} has no such file at this revision",
                _ => $"{reason}: not found in {repo}",
            }),
            _ => BadInputException.At(what, reason),
        };
    }

    private static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? values.FirstOrDefault() : null;
}
