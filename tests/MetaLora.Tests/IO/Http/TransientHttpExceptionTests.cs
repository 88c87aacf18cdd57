using System.Net;
using System.Net.Http.Headers;
using MetaLora.IO.Http;

namespace MetaLora.Tests.IO.Http;

public sealed class TransientHttpExceptionTests
{
    [Fact]
    public void Retry_after_is_read_as_seconds_or_as_a_date_and_a_past_date_means_now()
    {
        using var none = new HttpResponseMessage(HttpStatusCode.ServiceUnavailable);
        Assert.Null(TransientHttpException.Of(none, "busy").RetryAfter);

        using var seconds = new HttpResponseMessage(HttpStatusCode.TooManyRequests);
        seconds.Headers.RetryAfter = new RetryConditionHeaderValue(TimeSpan.FromSeconds(7));
        var e = TransientHttpException.Of(seconds, "slow down");
        Assert.Equal(TimeSpan.FromSeconds(7), e.RetryAfter);
        Assert.Equal("slow down", e.Message);

        using var date = new HttpResponseMessage(HttpStatusCode.ServiceUnavailable);
        date.Headers.RetryAfter = new RetryConditionHeaderValue(DateTimeOffset.UtcNow.AddMinutes(2));
        var wait = TransientHttpException.Of(date, "later").RetryAfter!.Value;
        Assert.InRange(wait, TimeSpan.FromSeconds(100), TimeSpan.FromSeconds(120));

        using var past = new HttpResponseMessage(HttpStatusCode.ServiceUnavailable);
        past.Headers.RetryAfter = new RetryConditionHeaderValue(DateTimeOffset.UtcNow.AddMinutes(-2));
        Assert.Equal(TimeSpan.Zero, TransientHttpException.Of(past, "now").RetryAfter);
    }
}
