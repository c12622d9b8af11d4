"""The identity stack: the Cognito user pool people log in to, its app client, and the secret
that signs the ingress's playback tokens. (The emulator's CloudFormation has neither a user
pool nor a secret, one reason this is a stack apart from the data plane: docs/DEPLOY.md.)
"""

from __future__ import annotations

from videoshare.infra import shapes
from videoshare.infra.cfn import PLAYBACK_SECRET, Json, named, ref, resource
from videoshare.infra.topology import Topology

USER_POOL = "UserPool"
USER_POOL_CLIENT = "UserPoolClient"
USER_POOL_SUFFIX = "users"  # settings.user_pool_name
APP_CLIENT_SUFFIX = "web"  # settings.app_client_name
_KEEP = {"DeletionPolicy": "Retain", "UpdateReplacePolicy": "Retain"}  # accounts outlive it


def identity_resources(topo: Topology) -> dict[str, Json]:
    return {
        USER_POOL: resource(
            "AWS::Cognito::UserPool",
            {
                "UserPoolName": named(USER_POOL_SUFFIX),
                "UsernameAttributes": list(shapes.USERNAME_ATTRIBUTES),
                "AutoVerifiedAttributes": list(shapes.AUTO_VERIFIED_ATTRIBUTES),
                "Policies": {"PasswordPolicy": shapes.password_policy(topo)},
                "Schema": shapes.user_attributes(),
                "AccountRecoverySetting": {
                    "RecoveryMechanisms": [{"Name": "verified_email", "Priority": 1}]
                },
            },
            **_KEEP,
        ),
        USER_POOL_CLIENT: resource(
            "AWS::Cognito::UserPoolClient",
            {
                "ClientName": named(APP_CLIENT_SUFFIX),
                "UserPoolId": ref(USER_POOL),
                "GenerateSecret": False,
                "ExplicitAuthFlows": list(shapes.APP_CLIENT_AUTH_FLOWS),
                "EnableTokenRevocation": True,
            },
        ),
        PLAYBACK_SECRET: resource(
            "AWS::SecretsManager::Secret",
            {
                "Name": named("playback-secret"),
                "Description": "Signs the ingress's playback tokens (VIDEOSHARE_PLAYBACK_SECRET)",
                "GenerateSecretString": {"PasswordLength": 48, "ExcludePunctuation": True},
            },
        ),
    }
