"""The local gateway: the same authorizer and resolver as in Lambda, on 127.0.0.1, with moto as the AWS backend."""
