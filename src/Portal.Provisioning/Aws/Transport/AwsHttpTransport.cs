using System.Diagnostics;
using System.Net.Http.Headers;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Polly;
using Polly.Retry;
using Portal.Provisioning.Aws.Credentials;

namespace Portal.Provisioning.Aws.Transport;

/// <summary>
/// Sends signed AWS API requests: credentials per account, SigV4 on every attempt (the signature is time-stamped),
/// retries with exponential backoff and jitter for throttling and 5xx only, and a metric, usage row and activity per call.
/// </summary>
internal sealed partial class AwsHttpTransport(
    IHttpClientFactory httpClientFactory,
    IAwsCredentialsProvider credentialsProvider,
    AwsTelemetry telemetry,
    AwsUsageTracker usage,
    IOptions<AwsOptions> options,
    TimeProvider timeProvider,
    ILogger<AwsHttpTransport> logger)
{
    private readonly ResiliencePipeline _pipeline = BuildPipeline(options.Value.Retry, timeProvider, telemetry, logger);

    public async Task<AwsApiResponse> SendAsync(AwsApiRequest request, CancellationToken cancellationToken)
    {
        using var activity = AwsTelemetry.Source.StartActivity($"{request.Service} {request.Operation}", ActivityKind.Client);
        activity?.SetTag("rpc.system", "aws-api");
        activity?.SetTag(AwsTelemetry.ServiceTag, request.Service);
        activity?.SetTag(AwsTelemetry.OperationTag, request.Operation);
        activity?.SetTag(AwsTelemetry.RegionTag, request.Endpoint.SigningRegion);
        activity?.SetTag("aws.account", request.Account.AccountId);
        activity?.SetTag("server.address", request.Endpoint.Url.Host);

        try
        {
            var response = await _pipeline.ExecuteAsync(
                static (state, token) => state.Transport.AttemptAsync(state.Request, token),
                (Transport: this, Request: request),
                cancellationToken).ConfigureAwait(false);
            activity?.SetTag(AwsTelemetry.RequestIdTag, response.RequestId);
            activity?.SetTag(AwsTelemetry.OutcomeTag, "success");
            return response;
        }
        catch (AwsServiceException ex)
        {
            activity?.SetTag(AwsTelemetry.RequestIdTag, ex.RequestId);
            activity?.SetTag(AwsTelemetry.OutcomeTag, ex.ErrorCode);
            activity?.SetTag("error.type", ex.ErrorCode);
            activity?.SetStatus(ActivityStatusCode.Error, ex.ErrorMessage);
            throw;
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            activity?.SetTag("error.type", ex.GetType().Name);
            activity?.SetStatus(ActivityStatusCode.Error, ex.Message);
            throw;
        }
    }

    private async ValueTask<AwsApiResponse> AttemptAsync(AwsApiRequest request, CancellationToken cancellationToken)
    {
        var credentials = await credentialsProvider.GetCredentialsAsync(request.Account, cancellationToken).ConfigureAwait(false);

        using var message = new HttpRequestMessage(HttpMethod.Post, request.Endpoint.Url);
        message.Content = new ByteArrayContent(request.Body);
        message.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(request.ContentType);
        if (request.Target is not null)
        {
            message.Headers.TryAddWithoutValidation("X-Amz-Target", request.Target);
        }

        AwsSigV4Signer.Sign(message, request.Body, credentials, request.Endpoint.SigningRegion, request.Endpoint.SigningName, timeProvider.GetUtcNow());

        var client = httpClientFactory.CreateClient(request.HttpClientName);
        var started = timeProvider.GetTimestamp();
        HttpResponseMessage response;
        try
        {
            response = await client.SendAsync(message, HttpCompletionOption.ResponseContentRead, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            Record(request, ex is TaskCanceledException ? "timeout" : "transport_error", started);
            throw;
        }

        using (response)
        {
            var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            var requestId = Header(response, "x-amzn-RequestId") ?? Header(response, "x-amz-request-id");
            if (response.IsSuccessStatusCode)
            {
                Record(request, "success", started);
                if (request.Service == AwsServiceNames.CostExplorer)
                {
                    telemetry.RecordCostExplorerSpend(request.Operation, AwsTelemetry.CostExplorerPricePerRequestUsd);
                    usage.RecordCostExplorerSpend(AwsTelemetry.CostExplorerPricePerRequestUsd);
                }

                return new AwsApiResponse(response.StatusCode, body, requestId);
            }

            var error = AwsErrorParser.Parse(request, response.StatusCode, body, requestId, Header(response, "x-amzn-ErrorType"));
            Record(request, error.ErrorCode, started);
            if (error is ThrottlingException)
            {
                telemetry.RecordThrottle(request.Service, request.Operation);
            }

            throw error;
        }
    }

    private void Record(AwsApiRequest request, string outcome, long started)
    {
        var elapsed = timeProvider.GetElapsedTime(started);
        telemetry.RecordCall(request.Service, request.Operation, outcome, elapsed);
        usage.RecordCall(request.Service, request.Operation, outcome, elapsed);
    }

    private static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? values.FirstOrDefault(v => !string.IsNullOrWhiteSpace(v)) : null;

    private static ResiliencePipeline BuildPipeline(AwsRetryOptions retry, TimeProvider timeProvider, AwsTelemetry telemetry, ILogger logger)
    {
        var builder = new ResiliencePipelineBuilder { TimeProvider = timeProvider };
        if (retry.MaxRetryAttempts == 0)
        {
            return builder.Build();
        }

        return builder.AddRetry(new RetryStrategyOptions
        {
            MaxRetryAttempts = retry.MaxRetryAttempts,
            BackoffType = DelayBackoffType.Exponential,
            UseJitter = true,
            Delay = retry.BaseDelay,
            MaxDelay = retry.MaxDelay,
            ShouldHandle = static args => ValueTask.FromResult(args.Outcome.Exception is AwsServiceException { IsRetryable: true }),
            OnRetry = args =>
            {
                if (args.Outcome.Exception is AwsServiceException error)
                {
                    telemetry.RecordRetry(error.Service, error.Operation);
                    Activity.Current?.AddEvent(new ActivityEvent("retry", tags: new ActivityTagsCollection
                    {
                        ["attempt"] = args.AttemptNumber + 1,
                        ["error.type"] = error.ErrorCode,
                        ["delay_ms"] = args.RetryDelay.TotalMilliseconds,
                    }));
                    LogRetry(logger, error.Service, error.Operation, error.ErrorCode, args.AttemptNumber + 1, args.RetryDelay);
                }

                return ValueTask.CompletedTask;
            },
        }).Build();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "AWS {Service} {Operation} failed with {ErrorCode}; retry {Attempt} in {Delay}")]
    private static partial void LogRetry(ILogger logger, string service, string operation, string errorCode, int attempt, TimeSpan delay);
}
