using Amazon;
using Amazon.EC2;
using Amazon.Runtime;
using Amazon.SecurityToken;
using PeeringAutomation.Core.Model;

namespace PeeringAutomation.Aws;

/// <summary>
/// SDK client configuration for one region, honouring <see cref="AwsOptions.EndpointUrl"/>. The one
/// place that knows the endpoint rule: with a custom endpoint the SDK would sign for us-east-1
/// unless told otherwise, and moto files resources under the region the request is signed for
/// (the SDK otherwise derives the signing region from the URL, which a local endpoint does not carry), so <c>AuthenticationRegion</c> is always set with <c>ServiceURL</c>.
/// </summary>
public static class AwsClientConfig
{
    public static AmazonEC2Config Ec2(AwsOptions options, AwsRegion region) =>
        Configure(new AmazonEC2Config(), options, region);

    public static Amazon.DynamoDBv2.AmazonDynamoDBConfig DynamoDb(AwsOptions options, AwsRegion region) =>
        Configure(new Amazon.DynamoDBv2.AmazonDynamoDBConfig(), options, region);

    public static AmazonSecurityTokenServiceConfig Sts(AwsOptions options, AwsRegion region) =>
        Configure(new AmazonSecurityTokenServiceConfig(), options, region);

    /// <summary>
    /// An STS client for the factory to assume member roles with. <paramref name="credentials"/>
    /// null means the SDK's default chain (the Lambda function's role).
    /// </summary>
    public static IAmazonSecurityTokenService CreateSts(AwsOptions options, AwsRegion region, AWSCredentials? credentials = null) =>
        credentials is null
            ? new AmazonSecurityTokenServiceClient(Sts(options, region))
            : new AmazonSecurityTokenServiceClient(credentials, Sts(options, region));

    private static T Configure<T>(T config, AwsOptions options, AwsRegion region) where T : ClientConfig
    {
        if (options.EndpointUrl is { } endpoint)
        {
            config.ServiceURL = endpoint.ToString();
            config.AuthenticationRegion = region.Value;
        }
        else
        {
            config.RegionEndpoint = RegionEndpoint.GetBySystemName(region.Value);
        }
        return config;
    }
}
