from advanced_alchemy.extensions.litestar.providers import create_service_provider

from conduit.config import alchemy_config
from conduit.profiles.services import ProfileService

provide_profiles_service = create_service_provider(ProfileService, config=alchemy_config)
