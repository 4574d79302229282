"""The error catalogue's examples of the rules across keys (generator/blueprint/rules.py and the rule modules
it gathers), one per rule."""

from __future__ import annotations

from generator.blueprint.catalogue_examples import ACM, KEYED, MINIMAL, SECRET, Example, services
from generator.cfn.descriptions import description_room

RULES = [
    Example("A reserved tag key", MINIMAL + "tags: {'aws:team': platform}\n", "rule:tag_keys"),
    Example("A tag or variable named true or false", MINIMAL + "tags: {'false': 'no', team: platform}\n",
            "rule:boolean_key_names"),
    Example("A description over 1024 bytes", MINIMAL + "description: " + "\u00e9" * 600 + "\n",
            "rule:description_size",
            shown=MINIMAL + "description: \u00e9\u00e9\u00e9...   # 600 characters, 1200 bytes"),
    Example("A description one byte longer than the root stack's Description leaves", MINIMAL + "description: "
            + "x" * (description_room("photos") + 1) + "\n", "rule:description_size",
            shown=MINIMAL + f"description: xxx...   # {description_room('photos') + 1} characters"),
    Example("${ in a description", MINIMAL + "description: 'Runs in ${AWS::AccountId}'\n",
            "rule:no_template_references"),
    Example("${ in a command", services("image: nginx, command: [sh, -c, 'exec app --port ${PORT}']"),
            "rule:no_template_references"),
    Example("${ in an environment value", services("image: nginx, environment: {HOME_URL: 'https://${Domain}/'}"),
            "rule:no_template_references"),
    Example("${ in a health check path", services("image: nginx, port: 80, health_check: {path: '/${AWS::Region}'}"),
            "rule:no_template_references"),
    Example("${ in a key pair name", MINIMAL + "cluster: {instances: {key_name: 'ops-${AWS::Region}'}}\n",
            "rule:no_template_references"),
    Example("A VPC outside /16 to /24", MINIMAL + "network: {cidr: 10.0.0.0/8}\n", "rule:vpc_has_room"),
    Example("A VPC too small for its zones", MINIMAL + "network: {cidr: 10.0.0.0/24, availability_zones: 3}\n",
            "rule:vpc_has_room"),
    Example("A zone listed twice", MINIMAL + "network: {availability_zones: [us-east-1a, us-east-1a]}\n",
            "rule:distinct_zones"),
    Example("Zones in several regions", MINIMAL + "network: {availability_zones: [us-east-1a, eu-west-1a]}\n",
            "rule:distinct_zones"),
    Example("An endpoint listed twice", MINIMAL + "network: {endpoints: [s3, s3]}\n", "rule:distinct_endpoints"),
    Example("No NAT gateways without the endpoints hosts need", """\
        name: photos
        network: {nat_gateways: none, endpoints: [ecr]}
        services:
          api: {image: 123456789012.dkr.ecr.us-east-1.amazonaws.com/api:1}
        """, "rule:no_nat_needs_endpoints"),
    Example("No NAT gateways and an image from the internet", """\
        name: photos
        network: {nat_gateways: none, endpoints: [s3, ecr, ecs, logs]}
        services:
          api: {image: public.ecr.aws/nginx/nginx:1.27}
        """, "rule:no_nat_needs_endpoints"),
    Example("No NAT gateways and secrets without their endpoint", f"""\
        name: photos
        network: {{nat_gateways: none, endpoints: [s3, ecr, ecs, logs]}}
        services:
          api:
            image: 123456789012.dkr.ecr.us-east-1.amazonaws.com/api:1
            secrets: {{DB_PASSWORD: '{SECRET}'}}
        """, "rule:no_nat_feature_endpoints"),
    Example("No NAT gateways and ECS Exec without the SSM endpoints", """\
        name: photos
        network: {nat_gateways: none, endpoints: [s3, ecr, ecs, logs, ssm]}
        services:
          api: {image: 123456789012.dkr.ecr.us-east-1.amazonaws.com/api:1, exec: true}
        """, "rule:no_nat_feature_endpoints"),
    Example("No NAT gateways and Session Manager on hosts without the SSM endpoints", """\
        name: photos
        network: {nat_gateways: none, endpoints: [s3, ecr, ecs, logs]}
        cluster: {instances: {type: t3.medium}}
        access: {ssm: true}
        services:
          api: {image: 123456789012.dkr.ecr.us-east-1.amazonaws.com/api:1}
        """, "rule:no_nat_feature_endpoints"),
    Example("More hosts at least than at most", MINIMAL + "cluster: {instances: {min: 5, max: 2}}\n",
            "rule:instances_min_max"),
    Example("A cluster without capacity", MINIMAL + "cluster: {fargate: false}\n", "rule:cluster_has_capacity"),
    Example("A bastion nobody could log in to", MINIMAL + "access:\n  ssm: false\n  bastion: {allowed_cidrs: "
            "[203.0.113.0/24]}\n", "rule:bastion_reachable"),
    Example("A VPN client range outside /12 to /22", KEYED + f"access:\n  vpn: {{client_cidr: 172.16.0.0/24, "
            f"server_certificate_arn: '{ACM}', client_certificate_arn: '{ACM}'}}\n", "rule:vpn_client_cidr"),
    Example("A VPN client range overlapping the VPC", KEYED + f"access:\n  vpn: {{client_cidr: 10.0.0.0/22, "
            f"server_certificate_arn: '{ACM}', client_certificate_arn: '{ACM}'}}\n", "rule:vpn_client_cidr"),
    Example("A Client VPN that reaches nothing", MINIMAL + f"access:\n  vpn: {{client_cidr: 10.250.0.0/22, "
            f"server_certificate_arn: '{ACM}', client_certificate_arn: '{ACM}'}}\n", "rule:vpn_reaches_something"),
    Example("Two services, one CloudFormation name", """\
        name: photos
        services:
          api-2: {image: nginx}
          api2: {image: nginx}
        """, "rule:unique_logical_ids"),
    Example("A load balancer without a port", services("image: nginx, expose: public"), "rule:service_exposure"),
    Example("allowed_cidrs on a service that is not public", services("image: nginx, port: 80, "
            "allowed_cidrs: [203.0.113.0/24]"), "rule:service_exposure"),
    Example("Load balancer settings on a worker", services(f"image: nginx, https: {{certificate_arn: '{ACM}'}}"),
            "rule:service_exposure"),
    Example("Requests per target on a worker", services("image: nginx, scaling: {min: 1, max: 2, "
            "requests_per_target: 100}"), "rule:service_exposure"),
    Example("EC2 tasks without hosts", services("image: nginx, launch_type: ec2"), "rule:launch_type_has_capacity"),
    Example("Fargate tasks without Fargate", """\
        name: photos
        cluster: {instances: {}}
        services:
          api: {image: nginx, launch_type: fargate}
        """, "rule:launch_type_has_capacity"),
    Example("A task size Fargate does not offer", services("image: nginx, cpu: 1024, memory: 1024"),
            "rule:launch_type_has_capacity"),
    Example("A CPU size Fargate does not offer", services("image: nginx, cpu: 300"), "rule:launch_type_has_capacity"),
    Example("Scaling with min above max", services("image: nginx, scaling: {min: 5, max: 2, cpu_percent: 50}"),
            "rule:count_within_scaling"),
    Example("A count outside the scaling range", services("image: nginx, count: 9, scaling: {min: 1, max: 4, "
            "cpu_percent: 50}"), "rule:count_within_scaling"),
    Example("Scaling without a target", services("image: nginx, scaling: {min: 1, max: 4}"),
            "rule:count_within_scaling"),
    Example("A callee listed twice", """\
        name: photos
        services:
          api: {image: nginx, talks_to: [images, images]}
          images: {image: nginx, port: 80}
        """, "rule:talks_to_internal_services"),
    Example("A service calling itself", """\
        name: photos
        services:
          api: {image: nginx, port: 80, talks_to: [api]}
        """, "rule:talks_to_internal_services"),
    Example("A callee that does not exist", """\
        name: photos
        services:
          api: {image: nginx, talks_to: [image]}
          images: {image: nginx, port: 80}
        """, "rule:talks_to_internal_services"),
    Example("A callee that is public", """\
        name: photos
        services:
          api: {image: nginx, talks_to: [web]}
          web: {image: nginx, port: 80, expose: public}
        """, "rule:talks_to_internal_services"),
    Example("A callee without a load balancer", """\
        name: photos
        services:
          api: {image: nginx, talks_to: [worker]}
          worker: {image: nginx}
        """, "rule:talks_to_internal_services"),
    Example("Services calling each other in a circle", """\
        name: photos
        services:
          api: {image: nginx, port: 80, talks_to: [images]}
          images: {image: nginx, port: 80, talks_to: [api]}
        """, "rule:talks_to_without_cycles"),
    Example("A task definition over ECS's 64 KiB", services("image: nginx, environment: {LOG_LEVEL: info, CONFIG: "
            + "x" * 70_000 + "}"), "rule:task_definition_size",
            shown=services("image: nginx, environment: {LOG_LEVEL: info, CONFIG: xxx...}").rstrip("\n")
            + "   # 70,000 characters"),
    Example("A variable both in environment and secrets", services("image: nginx, environment: {TOKEN: x}, "
            "secrets: {TOKEN: 'arn:aws:ssm:us-east-1:123456789012:parameter/token'}"),
            "rule:environment_and_secrets_disjoint"),
    Example("A variable named like a callee's URL", """\
        name: photos
        services:
          api: {image: nginx, talks_to: [image-store], environment: {IMAGE_STORE_URL: 'http://old:80'}}
          image-store: {image: nginx, port: 80}
        """, "rule:callee_urls_free"),
    Example("A secret named like a callee's URL", """\
        name: photos
        services:
          api:
            image: nginx
            talks_to: [images]
            secrets: {IMAGES_URL: 'arn:aws:ssm:us-east-1:123456789012:parameter/images-url'}
          images: {image: nginx, port: 80}
        """, "rule:callee_urls_free"),
    Example("A permission with a wildcard", services(
            "image: nginx, permissions: [{resource: 'arn:aws:s3:::photos-*', access: read}]"),
            "rule:permissions_grantable"),
    Example("A permission that is not an ARN", services(
            "image: nginx, permissions: [{resource: photos-originals, access: read}]"), "rule:permissions_grantable"),
    Example("A permission on a service the table does not cover", services(
            "image: nginx, permissions: [{resource: 'arn:aws:rds:us-east-1:123456789012:db:photos', access: read}]"),
            "rule:permissions_grantable"),
    Example("A permission on an object rather than a bucket", services(
            "image: nginx, permissions: [{resource: 'arn:aws:s3:::photos/originals', access: read}]"),
            "rule:permissions_grantable"),
    Example("An access level the resource does not have", services(
            "image: nginx, permissions: [{resource: 'arn:aws:sqs:us-east-1:123456789012:thumbnails', access: read}]"),
            "rule:permissions_grantable"),
    Example("A resource listed twice", services(
            "image: nginx, permissions: [{resource: 'arn:aws:s3:::photos', access: read}, "
            "{resource: 'arn:aws:s3:::photos', access: write}]"), "rule:permissions_grantable"),
    Example("A secrets key without secrets", services("image: nginx, secrets_kms_key: "
            "'arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab'"),
            "rule:secrets_kms_key_has_secrets"),
    Example("Egress from tasks in bridge networking", """\
        name: photos
        cluster: {instances: {network_mode: bridge}}
        services:
          api: {image: nginx, egress: [{to: 10.0.192.0/20, port: 5432, description: Postgres}]}
        """, "rule:egress_on_own_group"),
    Example("Egress repeating the default HTTPS out", services(
            "image: nginx, egress: [{to: 0.0.0.0/0, port: 443, description: HTTPS}]"), "rule:egress_on_own_group"),
    Example("A port range to the internet", services(
            "image: nginx, egress: [{to: 0.0.0.0/0, port: 8000-8099, description: Partner APIs}]"),
            "rule:egress_on_own_group"),
    Example("An egress rule listed twice", services(
            "image: nginx, egress: [{to: 10.0.0.0/8, port: 25, description: Mail}, "
            "{to: 10.0.0.0/8, port: 25, description: Mail again}]"), "rule:egress_on_own_group"),
    Example("reachable_from on a public service", services(
            "image: nginx, port: 80, expose: public, reachable_from: [10.1.0.0/16]"), "rule:reachable_from_internal"),
    Example("reachable_from on a worker", services("image: nginx, reachable_from: [10.1.0.0/16]"),
            "rule:reachable_from_internal"),
    Example("Reachable from a VPN that does not exist", services("image: nginx, port: 80, reachable_from: [vpn]"),
            "rule:reachable_from_internal"),
    Example("A network inside the VPC in reachable_from", services(
            "image: nginx, port: 80, reachable_from: [10.0.0.0/8]"), "rule:reachable_from_internal"),
    Example("A network listed twice in reachable_from", services(
            "image: nginx, port: 80, reachable_from: [10.1.0.0/16, 10.1.0.0/16]"), "rule:reachable_from_internal"),
    Example("A catalog with a service that publishes a topic",
            "name: photos\ncatalog: {portfolio: P, owner: O}\nservices:\n  api: {image: nginx, publishes: [events]}\n",
            "rule:catalog_offers_what_its_roles_can_name"),
    Example("A catalog with a canary deployment", "name: photos\ncatalog: {portfolio: P, owner: O}\nservices:\n"
            "  api: {image: nginx, port: 80, deployment: {strategy: canary}}\n",
            "rule:catalog_offers_what_its_roles_can_name"),
    Example("A catalog with a job", "name: photos\ncatalog: {portfolio: P, owner: O}\nservices:\n"
            "  api: {image: nginx}\njobs:\n  report: {image: python, schedule: 'rate(1 day)'}\n",
            "rule:catalog_offers_what_its_roles_can_name"),
    Example("A catalog of more services than one template holds", "name: photos\ncatalog: {portfolio: P, owner: O}\n"
            "services:\n" + "".join(f"  s{i}: {{image: nginx}}\n" for i in range(161)),
            "rule:catalog_fits_one_template",
            shown="name: photos\ncatalog: {portfolio: P, owner: O}\nservices:\n  s0: {image: nginx}\n"
                  "  # ...161 services in all"),
]
