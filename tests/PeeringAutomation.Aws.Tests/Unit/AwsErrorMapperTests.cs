using System.Net;
using Amazon.EC2;
using PeeringAutomation.Core;

namespace PeeringAutomation.Aws.Tests.Unit;

public sealed class AwsErrorMapperTests
{
    [Theory]
    [InlineData("RequestLimitExceeded", 503, typeof(AwsThrottled))]
    [InlineData("RequestLimitExceeded", 400, typeof(AwsThrottled))]
    [InlineData("Throttling", 400, typeof(AwsThrottled))]
    [InlineData("", 503, typeof(AwsThrottled))]
    [InlineData("SomethingNew", 429, typeof(AwsThrottled))]
    [InlineData("InternalError", 500, typeof(AwsTransientFailure))]
    [InlineData("Unavailable", 503, typeof(AwsTransientFailure))]
    [InlineData("ServiceUnavailable", 503, typeof(AwsTransientFailure))]
    [InlineData("", 502, typeof(AwsTransientFailure))]
    [InlineData("InvalidVpcID.NotFound", 400, typeof(ResourceNotFound))]
    [InlineData("InvalidRouteTableID.NotFound", 400, typeof(ResourceNotFound))]
    [InlineData("InvalidGroup.NotFound", 400, typeof(ResourceNotFound))]
    [InlineData("InvalidVpcPeeringConnectionID.NotFound", 400, typeof(ResourceNotFound))]
    [InlineData("InvalidVpcPeeringConnectionId.NotFound", 400, typeof(ResourceNotFound))]
    [InlineData("InvalidRoute.NotFound", 400, typeof(ResourceNotFound))]
    [InlineData("UnauthorizedOperation", 403, typeof(AwsAccessDenied))]
    [InlineData("AuthFailure", 401, typeof(AwsAccessDenied))]
    [InlineData("AccessDenied", 403, typeof(AwsAccessDenied))]
    [InlineData("RouteLimitExceeded", 400, typeof(QuotaExceeded))]
    [InlineData("RulesPerSecurityGroupLimitExceeded", 400, typeof(QuotaExceeded))]
    [InlineData("ActiveVpcPeeringConnectionPerVpcLimitExceeded", 400, typeof(QuotaExceeded))]
    [InlineData("OutstandingVpcPeeringConnectionLimitExceeded", 400, typeof(QuotaExceeded))]
    [InlineData("InvalidVpcPeeringConnectionId.Malformed", 400, typeof(PeeringRequestInvalid))]
    [InlineData("InvalidParameterValue", 400, typeof(PeeringRequestInvalid))]
    [InlineData("MissingParameter", 400, typeof(PeeringRequestInvalid))]
    [InlineData("InvalidGroupId.Malformed", 400, typeof(PeeringRequestInvalid))]
    [InlineData("InvalidStateTransition", 400, typeof(PeeringConflict))]
    [InlineData("OperationNotPermitted", 400, typeof(PeeringConflict))]
    [InlineData("VpcPeeringConnectionAlreadyExists", 400, typeof(PeeringConflict))]
    [InlineData("RouteAlreadyExists", 400, typeof(PeeringConflict))]
    [InlineData("InvalidPermission.Duplicate", 400, typeof(PeeringConflict))]
    public void AwsErrorMapperMap_ReturnsTheCoreErrorGivenTheAwsCode(string code, int status, Type expected)
    {
        var mapped = AwsErrorMapper.Map(AwsErrors.Ec2(code, (HttpStatusCode)status), "CreateRoute", "111111111111/us-east-1");

        mapped.ShouldBeOfType(expected);
    }

    [Fact]
    public void AwsErrorMapperMap_KeepsCodeMessageAndInnerException()
    {
        var original = AwsErrors.Ec2("RouteAlreadyExists", message: "The route identified by 10.3.0.0/16 already exists");

        var mapped = AwsErrorMapper.Map(original, "CreateRoute", "111111111111/us-east-1");

        mapped.AwsErrorCode.ShouldBe("RouteAlreadyExists");
        mapped.InnerException.ShouldBeSameAs(original);
        mapped.Message.ShouldBe("CreateRoute in 111111111111/us-east-1 failed: RouteAlreadyExists: The route identified by 10.3.0.0/16 already exists");
    }

    [Fact]
    public void AwsErrorMapperMap_NamesTheHttpStatusGivenNoCode()
    {
        var mapped = AwsErrorMapper.Map(AwsErrors.Ec2("", HttpStatusCode.BadGateway), "DescribeVpcs", "here");

        mapped.AwsErrorCode.ShouldBe("HTTP 502");
        mapped.Message.ShouldContain("HTTP 502");
    }

    [Fact]
    public void AwsErrorMapperMapTransport_ReturnsTransientGivenConnectionFailureAndNullGivenABug()
    {
        AwsErrorMapper.MapTransport(new HttpRequestException("connection refused"), "DescribeVpcs", "here")
            .ShouldBeOfType<AwsTransientFailure>().Message.ShouldContain("connection refused");
        AwsErrorMapper.MapTransport(new NullReferenceException(), "DescribeVpcs", "here").ShouldBeNull();
        AwsErrorMapper.MapTransport(AwsErrors.Ec2("InternalError"), "DescribeVpcs", "here").ShouldBeNull();
    }

    [Theory]
    [InlineData("InvalidVpcPeeringConnectionID.NotFound", true)]
    [InlineData("InvalidVpcPeeringConnectionId.NotFound", true)]
    [InlineData("InvalidVpcID.NotFound", false)]
    [InlineData(null, false)]
    public void Ec2ErrorCodesIsPeeringNotFound_AcceptsBothAwsAndMotoSpelling(string? code, bool expected) =>
        Ec2ErrorCodes.IsPeeringNotFound(code).ShouldBe(expected);

    [Fact]
    public void AwsErrorMapperMap_UsesTheSdkExceptionTypeOfAnyService()
    {
        var mapped = AwsErrorMapper.Map(AwsErrors.Sts("Throttling", HttpStatusCode.BadRequest), "sts:AssumeRole", "role");

        mapped.ShouldBeOfType<AwsThrottled>();
        mapped.InnerException.ShouldNotBeOfType<AmazonEC2Exception>();
    }
}
